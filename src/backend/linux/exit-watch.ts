/**
 * One blocking wait for the exit of any number of processes held by pidfds (pidfd.ts): an epoll
 * set (epoll(7)) holds every pidfd being waited for, and epoll_wait() runs in a thread of libuv's
 * pool (koffi's asynchronous call), so the helper's event loop goes on meanwhile. A pidfd becomes
 * readable once its process has exited (pidfd_open(2)), so the wait returns as soon as one of them
 * has, with those that have, and costs nothing while none has: no timer ticks.
 *
 * An eventfd (eventfd(2)) in the same set lets the helper cut a wait short (wake()), when a
 * deadline earlier than the one the wait was started with comes in.
 *
 * exitWatch() is null where any of this is missing (pidfds, or the C library's epoll and eventfd
 * functions): waiter.ts then looks at the pidfds with poll() on a short shared timer.
 */
import { cFunctions } from './libc.ts';
import { pidfds } from './pidfd.ts';

const EPOLL_CLOEXEC = 0o2000000;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLLIN = 0x1;
/**
 * struct epoll_event { uint32_t events; epoll_data_t data; }: packed on x86-64 (12 bytes, data at
 * 4), naturally aligned elsewhere (16 bytes, data at 8), as the kernel's uapi eventpoll.h
 * (EPOLL_PACKED) and glibc's bits/epoll.h declare it; checked on this x86-64 machine with cc.
 */
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_AT = process.arch === 'x64' ? 4 : 8;
/** The most events one epoll_wait() returns; more are returned by the next. */
const MAX_EVENTS = 256;

export interface ExitWatch {
  /** Watches the process of pidfd `fd`; false when the kernel refused (then poll it instead). */
  add(fd: number): boolean;
  /** Stops watching `fd` (before it is closed). */
  remove(fd: number): void;
  /**
   * Waits, in a thread of the pool, up to `timeoutMs` for watched processes to exit, then calls
   * `done` on the event loop with the pidfds of those that have (empty: the time ran out, or
   * wake() was called; null: epoll_wait failed). One wait at a time.
   */
  wait(timeoutMs: number, done: (exited: number[] | null) => void): void;
  /** Makes the wait in progress return now. */
  wake(): void;
}

function load(): ExitWatch | null {
  if (pidfds() === null) return null;
  const c = cFunctions({
    epoll_create1: 'int epoll_create1(int flags)',
    epoll_ctl: 'int epoll_ctl(int epfd, int op, int fd, void *event)',
    epoll_wait: 'int epoll_wait(int epfd, void *events, int maxevents, int timeout)',
    eventfd: 'int eventfd(unsigned int initval, int flags)',
    write: 'long write(int fd, void *buf, unsigned long count)',
    read: 'long read(int fd, void *buf, unsigned long count)',
  });
  if (c === null) return null;
  const f = c.fns;
  const epfd = f.epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return null;
  const wakeFd = f.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const event = Buffer.alloc(EVENT_SIZE);
  const ctl = (op: number, fd: number): boolean => {
    event.writeUInt32LE(EPOLLIN, 0);
    event.writeBigUInt64LE(BigInt(fd), DATA_AT);
    return f.epoll_ctl(epfd, op, fd, event) === 0;
  };
  if (wakeFd < 0 || !ctl(EPOLL_CTL_ADD, wakeFd)) return null;
  // The wait runs in another thread: each wait has a buffer of its own for the kernel to fill.
  const one = Buffer.alloc(8);
  return {
    add: (fd) => ctl(EPOLL_CTL_ADD, fd),
    remove: (fd) => void ctl(EPOLL_CTL_DEL, fd),
    wait(timeoutMs, done) {
      const events = Buffer.alloc(MAX_EVENTS * EVENT_SIZE);
      f.epoll_wait.async(epfd, events, MAX_EVENTS, Math.max(0, Math.ceil(timeoutMs)), (err: unknown, n: number) => {
        if (err != null || n < 0) return done(null);
        const exited: number[] = [];
        for (let i = 0; i < n; i++) {
          const fd = Number(events.readBigUInt64LE(i * EVENT_SIZE + DATA_AT));
          if (fd === wakeFd) f.read(wakeFd, one, 8);
          else exited.push(fd);
        }
        done(exited);
      });
    },
    wake() {
      one.writeBigUInt64LE(1n, 0);
      f.write(wakeFd, one, 8);
    },
  };
}

let loaded: ExitWatch | null | undefined;

/** The shared exit watch, made on first use; null where it cannot be. */
export function exitWatch(): ExitWatch | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}
