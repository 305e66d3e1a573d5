/**
 * How the Linux backend logs off many sessions at once, on real processes recorded in a utmp file
 * (src/backend/linux/logoff.ts, held.ts, escalation.ts, waiter.ts, pidfd.ts): it looks once at
 * utmp and /proc for all targets and reads each process once (this process's read() calls, from
 * /proc/self/io, show how much it read): the pidfd that holds a process is opened before that
 * read, so the process is not read again before it is signalled; it waits for all of them with one
 * shared timer, and closes every pidfd afterwards;
 * without pidfds, kill() and /proc do the same work, with a second look at each process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGOFF_TIMING, startLogoff } from '../../src/backend/linux/escalation.ts';
import { checkLeader } from './leader-check.ts';
import { logoffSessions } from '../../src/backend/linux/logoff.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { bootTimeMs } from '../../src/backend/linux/proc.ts';
import { readSessions, type SessionSource } from '../../src/backend/linux/sessions.ts';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp, type LeaderKind } from './support.ts';

let dir: string;
let writer: string;
let fileNo = 0;

/** read() system calls this process has made so far (every thread of it). */
const reads = (): number => Number(/^syscr: (\d+)$/m.exec(readFileSync('/proc/self/io', 'latin1'))?.[1]);
/** This process's open descriptors that are pidfds. */
const openPidfds = (): number => readdirSync('/proc/self/fd').filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[pidfd]';
  } catch {
    return false; // the descriptor readdir itself used, closed meanwhile
  }
}).length;
/** Timers that hold the event loop open. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const never = (): void => {};

/** Orphans started by this file (not its children: their exits cost this process no read() calls). */
const orphans = new Set<number>();

/** `sleep 600` processes whose parent shell has exited, so that this process does not reap them. */
function startOrphans(n: number): number[] {
  const out = execFileSync('/bin/sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 600 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done`], { encoding: 'utf8' });
  const pids = out.trim().split('\n').map(Number);
  for (const pid of pids) orphans.add(pid);
  return pids;
}

function stopOrphans(): void {
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  orphans.clear();
}

/** `n` leaders recorded as logins in a new utmp file: orphaned `sleep`s, or leaders of `kind` (this process's children). */
async function recorded(n: number, kind?: LeaderKind): Promise<{ src: SessionSource; pids: number[] }> {
  const pids: number[] = [];
  if (kind === undefined) pids.push(...startOrphans(n));
  else for (let i = 0; i < n; i += 100) pids.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => startLeader(kind)))));
  const utmp = join(dir, `utmp-${++fileNo}`);
  writeUtmp(writer, utmp, pids.map((pid, i) => ({ pid, line: `pts/${4000 + i}`, user: `batch${i}`, loginMs: Date.now() })));
  return { src: { utmpPath: utmp, devDir: '/dev' }, pids };
}

beforeAll(() => {
  dir = makeTempDir('st-logoff-batch-');
  writer = buildUtmpWriter(dir);
});
afterEach(() => {
  stopAll();
  stopOrphans();
});
afterAll(() => {
  stopAll();
  stopOrphans();
  removeDir(dir);
});

/** Processes on the machine now (entries of /proc). */
const processCount = (): number => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;

describe('logging off many sessions', () => {
  it('one look for all targets: 2 of 1,000 recorded sessions cost one listing, and only the targets are signalled', async () => {
    const { src, pids } = await recorded(1_000);
    let before = reads();
    expect(await readSessions(src)).toHaveLength(1_000);
    const listingReads = reads() - before;

    // The machine's process count moves while other test files run: a pass over /proc reads at most
    // as many entries as the larger count seen just before and just after it, unless processes
    // start and end within the pass (another file's thousand leaders, once). So three log-offs of
    // two targets each are measured, and the best of them bounds what a log-off reads: a second pass
    // over the 1,000 would add to each of them.
    const beyond: number[] = [];
    for (const targets of [[pids[10]!, pids[990]!], [pids[20]!, pids[980]!], [pids[30]!, pids[970]!]]) {
      const procsBefore = processCount();
      before = reads();
      const outcomes = await logoffSessions(src, targets.map((SessionId) => ({ SessionId })), true, never);
      beyond.push(reads() - before - Math.max(procsBefore, processCount()));
      expect(outcomes.map((o) => o.Error)).toEqual([null, null]);
      expect(targets.every(isGone)).toBe(true);
    }

    expect(isGone(pids[11]!)).toBe(false);
    expect(listingReads).toBeGreaterThanOrEqual(1_000);
    // A session's processes are known only from a pass over /proc (identity.ts): the logoff makes
    // that one pass, as a listing does, and reads nothing more for its targets where pidfds hold them
    // (one more /proc/<pid>/stat per target's process without). Processes that other test files
    // start and end during the pass are read too (34 beyond the larger count once): the bound stays
    // far below what a second pass over the 1,000 would add.
    expect(Math.min(...beyond)).toBeLessThan(200);
  });

  it('ends 1,000 sessions with one check each and one timer for all of them; no pidfd stays open', async () => {
    const { src, pids } = await recorded(1_000);
    const timersBefore = timers();
    const fdsBefore = openPidfds();
    const processes = processCount();
    const before = reads();
    const done = logoffSessions(src, pids.map((SessionId) => ({ SessionId })), true, never);
    await new Promise((r) => setImmediate(r)); // every SIGHUP is sent; the leaders are being waited for
    const timersWhileWaiting = timers();
    const outcomes = await done;
    // One pass over /proc (one read per process on the machine); where pidfds hold the targets'
    // processes, nothing more per target (a second read of each would make this 1 or more);
    // without pidfds, one more per target to check it right before its first signal.
    const beyondThePass = (reads() - before - processes) / pids.length;

    expect(outcomes).toHaveLength(1_000);
    expect(pids.every(isGone)).toBe(true);
    expect(timersWhileWaiting - timersBefore).toBeLessThanOrEqual(1);
    expect(beyondThePass).toBeLessThan(pidfds() === null ? 1.5 : 0.5);
    expect(openPidfds()).toBe(fdsBefore);
  });
});

describe.skipIf(pidfds() === null)('a leader held by its pidfd', () => {
  it('is signalled through the pidfd, which stays open while the leader is waited for and is closed after', async () => {
    const { pids } = await recorded(1, 'ignoresHup');
    const pid = pids[0]!;
    const fd = pidfds()!.open(pid);
    const check = checkLeader(pid, Date.now(), bootTimeMs());
    expect(check.status).toBe('live');
    const before = openPidfds();
    const logoff = startLogoff({ pid, startTicks: check.status === 'live' ? check.startTicks : null, pidfd: fd }, true);
    expect(logoff.hangup).toBe('sent');
    await new Promise((r) => setTimeout(r, LOGOFF_TIMING.hupToTermMs / 2));
    expect(isGone(pid)).toBe(false); // SIGHUP ignored, SIGTERM not due yet
    expect(openPidfds()).toBe(before);
    expect(await logoff.done).toEqual({ kind: 'ended' });
    expect(isGone(pid)).toBe(true);
    expect(openPidfds()).toBe(before - 1);
  });
});

describe('without pidfds', () => {
  it('kill() follows the check, and the shared wait looks in /proc: 200 sessions end, one timer', async () => {
    const { pids } = await recorded(200);
    const bootMs = bootTimeMs();
    const timersBefore = timers();
    const logoffs = pids.map((pid) => {
      const check = checkLeader(pid, Date.now(), bootMs);
      return startLogoff({ pid, startTicks: check.status === 'live' ? check.startTicks : null, pidfd: null }, true);
    });
    expect(logoffs.every((l) => l.hangup === 'sent')).toBe(true);
    expect(timers() - timersBefore).toBeLessThanOrEqual(1);
    expect(await Promise.all(logoffs.map((l) => l.done))).toEqual(pids.map(() => ({ kind: 'ended' })));
    expect(pids.every(isGone)).toBe(true);
  });
});
