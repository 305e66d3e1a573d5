/**
 * Process file descriptors (Linux 5.3 and later), through koffi from the C library the process
 * already runs on, loaded by its full path (libc.ts: read from /proc/self/maps, never searched for):
 *
 * - pidfd_open(pid) gives a descriptor that refers to that very process: a signal sent through it
 *   (pidfd_send_signal) can never reach another process that got the same pid later;
 * - poll() on descriptors says which processes have terminated (readable once the process has
 *   exited, zombies included), for any number of them in one system call.
 *
 * pidfds() is null where any of this is missing (an older kernel or C library, koffi not
 * installed): then escalation.ts signals with kill() and looks in /proc, as before.
 */
import { cFunctions } from './libc.ts';

const ERRNO = { EPERM: 1, ESRCH: 3, EINTR: 4 } as const;
const POLLIN = 0x1;
const POLLERR = 0x8;
const POLLHUP = 0x10;
/** struct pollfd: int fd; short events; short revents. */
const POLLFD_SIZE = 8;

export type SignalResult = 'sent' | 'ended' | 'denied';

export interface Pidfds {
  /** A descriptor of the process `pid`, or null when there is no such process. */
  open(pid: number): number | null;
  /** Sends `signal` (a number) to the process of `fd`: 'ended' when it has exited. */
  signal(fd: number, signal: number): SignalResult;
  /** The descriptors, of those given, whose process has exited. One poll(), no waiting. */
  exited(fds: readonly number[]): Set<number>;
  close(fd: number): void;
}

function load(): Pidfds | null {
  // Null without the pidfd wrappers too (glibc before 2.36).
  const c = cFunctions({
    pidfd_open: 'int pidfd_open(int pid, unsigned int flags)',
    pidfd_send_signal: 'int pidfd_send_signal(int pidfd, int sig, void *info, unsigned int flags)',
    poll: 'int poll(void *fds, unsigned long nfds, int timeout)',
    close: 'int close(int fd)',
  });
  if (c === null) return null;
  const { koffi, fns } = c;
  const errno = (): number => koffi.errno();
  const pidfds: Pidfds = {
    open(pid) {
      const fd = fns.pidfd_open(pid, 0);
      if (fd >= 0) return fd;
      const e = errno();
      if (e === ERRNO.ESRCH) return null;
      throw Object.assign(new Error(`pidfd_open(${pid}) failed with errno ${e}`), { errno: e });
    },
    signal(fd, signal) {
      if (fns.pidfd_send_signal(fd, signal, null, 0) === 0) return 'sent';
      const e = errno();
      if (e === ERRNO.ESRCH) return 'ended';
      if (e === ERRNO.EPERM) return 'denied';
      throw Object.assign(new Error(`pidfd_send_signal failed with errno ${e}`), { errno: e });
    },
    exited(fds) {
      const out = new Set<number>();
      if (fds.length === 0) return out;
      const buf = Buffer.alloc(fds.length * POLLFD_SIZE);
      fds.forEach((fd, i) => {
        buf.writeInt32LE(fd, i * POLLFD_SIZE);
        buf.writeInt16LE(POLLIN, i * POLLFD_SIZE + 4);
      });
      for (;;) {
        if (fns.poll(buf, fds.length, 0) >= 0) break;
        const e = errno();
        if (e !== ERRNO.EINTR) throw Object.assign(new Error(`poll failed with errno ${e}`), { errno: e });
      }
      fds.forEach((fd, i) => {
        if (buf.readInt16LE(i * POLLFD_SIZE + 6) & (POLLIN | POLLHUP | POLLERR)) out.add(fd);
      });
      return out;
    },
    close(fd) {
      fns.close(fd);
    },
  };
  // A kernel without pidfd_open (before 5.3) says ENOSYS: use kill() there.
  try {
    const own = pidfds.open(process.pid);
    if (own === null) return null;
    pidfds.close(own);
  } catch {
    return null;
  }
  return pidfds;
}

let loaded: Pidfds | null | undefined;

/** The pidfd calls, loaded on first use; null where they are not available. */
export function pidfds(): Pidfds | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}
