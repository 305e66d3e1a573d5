/**
 * Test support for the shared wait (src/backend/linux/waiter.ts, exit-watch.ts): what the kernel
 * shows of its epoll set, many processes ended at the same moment, and a bound on a wait.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { adopt, isGone } from './support.ts';

/** One descriptor an epoll set of this process watches: the set's descriptor, and the data it was added with. */
export interface EpollEntry {
  set: number;
  data: bigint;
}

/**
 * The descriptors the epoll sets of this process watch, each with its entries (one per set). The
 * kernel lists an epoll descriptor's watched descriptors in its /proc/self/fdinfo file, one line
 * each: `tfd: <fd> events: <hex> data: <hex>` (fs/eventpoll.c, ep_show_fdinfo; proc(5)). The
 * event loop's own epoll set is among those read; it never watches a pidfd.
 */
export function epollWatched(): Map<number, EpollEntry[]> {
  const out = new Map<number, EpollEntry[]>();
  for (const name of readdirSync('/proc/self/fd')) {
    let info: string;
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) !== 'anon_inode:[eventpoll]') continue;
      info = readFileSync(`/proc/self/fdinfo/${name}`, 'latin1');
    } catch {
      continue; // the descriptor readdir itself used, closed meanwhile
    }
    for (const m of info.matchAll(/^tfd:\s+(\d+)\s+events:\s+[0-9a-f]+\s+data:\s+([0-9a-f]+)/gm)) {
      const fd = Number(m[1]);
      out.set(fd, [...(out.get(fd) ?? []), { set: Number(name), data: BigInt(`0x${m[2]}`) }]);
    }
  }
  return out;
}

/** The epoll sets of this process that watch descriptor `fd`. */
export function epollEntriesOf(fd: number): EpollEntry[] {
  return epollWatched().get(fd) ?? [];
}

/** `n` processes (`sleep 600`, started by one shell that then exits), which stopAll() ends. */
export function startSleepers(n: number): number[] {
  const script = `i=0; while [ $i -lt ${n} ]; do sleep 600 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done`;
  const pids = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n').map(Number);
  for (const pid of pids) adopt(pid);
  return pids;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * SIGKILLs each of `pids` and returns once every one has exited (a zombie, or gone), without
 * yielding to the event loop: no tick of the shared wait runs in between, so the next one finds
 * them all ended at once.
 */
export function killAllNow(pids: readonly number[]): void {
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  let left = [...pids];
  for (;;) {
    left = left.filter((pid) => !isGone(pid));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${left.length} of ${pids.length} processes still there 10 s after SIGKILL`);
    Atomics.wait(pause, 0, 0, 2); // 2 ms, the event loop held
  }
}

/** `promise`, or a rejection naming `what` once `ms` have passed without it settling. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
