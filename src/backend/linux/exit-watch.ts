/**
 * Which of many processes held by pidfds (pidfd.ts) have exited, at the cost of those that have:
 * an epoll set (epoll(7)) holds every pidfd being waited for, and a pidfd becomes readable once
 * its process has exited (pidfd_open(2)), so epoll_wait() with no timeout returns just those,
 * however many are watched (poll() would look at all of them each time).
 *
 * Not a blocking epoll_wait() in libuv's thread pool: the module starts the helper with a large
 * pool (UV_THREADPOOL_SIZE, docs/wts-api.md 5.9), made at its first use, and
 * a log-off, the Linux helper's first use of the pool, paid for that (1,000 log-offs took 0.7-3.1 s
 * instead of 0.7-1.3 s on a busy machine). waiter.ts asks on its shared timer instead.
 *
 * exitWatch() is null where any of this is missing (pidfds, or the C library's epoll functions):
 * waiter.ts then looks at the pidfds with poll().
 */
import { cFunctions } from './libc.ts';
import { pidfds } from './pidfd.ts';

const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLLIN = 0x1;
const EINTR = 4;
/**
 * struct epoll_event { uint32_t events; epoll_data_t data; }: packed on x86-64 (12 bytes, data at
 * 4), naturally aligned elsewhere (16 bytes, data at 8), as the kernel's uapi eventpoll.h
 * (EPOLL_PACKED) and glibc's bits/epoll.h declare it; checked on this x86-64 machine with cc.
 */
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_AT = process.arch === 'x64' ? 4 : 8;
/** The most events one epoll_wait() returns; more are read by the next. */
const MAX_EVENTS = 256;

export interface ExitWatch {
  /** Watches the process of pidfd `fd`; false when the kernel refused (then poll it instead). */
  add(fd: number): boolean;
  /** Stops watching `fd` (before it is closed). */
  remove(fd: number): void;
  /** The watched pidfds whose process has exited, now, without waiting; they are watched no more. */
  exited(): number[];
}

function load(): ExitWatch | null {
  if (pidfds() === null) return null;
  const c = cFunctions({
    epoll_create1: 'int epoll_create1(int flags)',
    epoll_ctl: 'int epoll_ctl(int epfd, int op, int fd, void *event)',
    epoll_wait: 'int epoll_wait(int epfd, void *events, int maxevents, int timeout)',
  });
  if (c === null) return null;
  const f = c.fns;
  const epfd = f.epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return null;
  const event = Buffer.alloc(EVENT_SIZE);
  const ctl = (op: number, fd: number): boolean => {
    event.writeUInt32LE(EPOLLIN, 0);
    event.writeBigUInt64LE(BigInt(fd), DATA_AT);
    return f.epoll_ctl(epfd, op, fd, event) === 0;
  };
  const events = Buffer.alloc(MAX_EVENTS * EVENT_SIZE);
  return {
    add: (fd) => ctl(EPOLL_CTL_ADD, fd),
    remove: (fd) => void ctl(EPOLL_CTL_DEL, fd),
    exited() {
      const out: number[] = [];
      for (;;) {
        const n = f.epoll_wait(epfd, events, MAX_EVENTS, 0);
        if (n < 0) {
          if (c.koffi.errno() === EINTR) continue;
          throw Object.assign(new Error(`epoll_wait failed with errno ${c.koffi.errno()}`), { errno: c.koffi.errno() });
        }
        // An exited process's pidfd stays readable: each is taken out of the set as it is read, so
        // that the next epoll_wait() returns the others.
        for (let i = 0; i < n; i++) {
          const fd = Number(events.readBigUInt64LE(i * EVENT_SIZE + DATA_AT));
          ctl(EPOLL_CTL_DEL, fd);
          out.push(fd);
        }
        if (n < MAX_EVENTS) return out;
      }
    },
  };
}

let loaded: ExitWatch | null | undefined;

/** The shared exit watch, made on first use; null where it cannot be. */
export function exitWatch(): ExitWatch | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}
