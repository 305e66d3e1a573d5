/**
 * The floor under Stop-UserSession -Force -Wait on Linux: 1,000 session leaders that are not this
 * process's children (orphaned `sleep`s, as logins' leaders are not the helper's), ended by signal
 * and confirmed gone, with nothing else: no utmp, no RPC, no PowerShell. Two ways, as the backend
 * has them (src/backend/linux/pidfd.ts): pidfd_open + pidfd_send_signal + one poll() over all of
 * them per millisecond, and kill() + one shared look in /proc per millisecond. bench/sessions.ts
 * prints them beside the pipeline, measured in the same rounds.
 */
import { execFileSync } from 'node:child_process';
import { constants } from 'node:os';
import { pidfds } from '../src/backend/linux/pidfd.ts';
import { isGone } from '../tests/linux-backend/support.ts';

const COUNT = 1_000;

function orphans(n: number): number[] {
  const out = execFileSync('/bin/sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 600 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done`], { encoding: 'utf8' });
  return out.trim().split('\n').map(Number);
}

function stop(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Calls `pending` every millisecond until it returns 0. */
function everyMs(pending: () => number): Promise<void> {
  return new Promise((resolve) => {
    const tick = (): void => {
      if (pending() === 0) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
}

async function withPidfds(): Promise<number | null> {
  const fds = pidfds();
  if (fds === null) return null;
  const pids = orphans(COUNT);
  try {
    const t0 = performance.now();
    let open = pids.map((pid) => fds.open(pid)).filter((fd): fd is number => fd !== null);
    for (const fd of open) fds.signal(fd, constants.signals.SIGHUP);
    await everyMs(() => {
      const exited = fds.exited(open);
      for (const fd of exited) fds.close(fd);
      open = open.filter((fd) => !exited.has(fd));
      return open.length;
    });
    return performance.now() - t0;
  } finally {
    stop(pids);
  }
}

async function withKill(): Promise<number> {
  const pids = orphans(COUNT);
  try {
    const t0 = performance.now();
    for (const pid of pids) process.kill(pid, 'SIGHUP');
    let left = pids;
    await everyMs(() => (left = left.filter((pid) => !isGone(pid))).length);
    return performance.now() - t0;
  } finally {
    stop(pids);
  }
}

/** Both floors, in milliseconds: pidfd (null where pidfds are not available) and kill(). */
export async function logoffFloor(): Promise<{ pidfd: number | null; kill: number }> {
  const pidfd = await withPidfds();
  return { pidfd, kill: await withKill() };
}
