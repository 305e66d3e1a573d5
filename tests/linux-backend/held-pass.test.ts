/**
 * The passes over /proc of log-offs that follow each other (src/backend/linux/held.ts): the first
 * reads every process, holding each by a pidfd opened before its read; the next, within KEEP_MS,
 * reads only what may have changed, and still sees every process as it is then: one started since
 * (in a target's session, too) is read, held and ended; one that has exited is gone from it. And
 * log-off requests that reach the backend together are served together, each answered for its own
 * targets (src/backend/linux/logoff-runs.ts). Real processes; this process's read() calls, from
 * /proc/self/io, show how much a pass read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropKept, readHeldPass } from '../../src/backend/linux/held.ts';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { logoffSessions } from '../../src/backend/linux/logoff.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { readProcStat } from '../../src/backend/linux/proc.ts';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from './support.ts';

let dir: string;
let writer: string;
const children: ChildProcess[] = [];
/** Processes started by the shells of forkOnDemand(), by pid (they are not this process's children). */
const forked = new Set<number>();

const reads = (): number => Number(/^syscr: (\d+)$/m.exec(readFileSync('/proc/self/io', 'latin1'))?.[1]);
const never = (): void => {};

/**
 * A session leader (a shell in a session of its own) that starts `sleep 600` in its session when
 * a line reaches its stdin, and then waits; SIGHUP ends the shell, not that sleep (it has no
 * terminal that would hang up), so only a log-off that finds the sleep ends it.
 */
function forkOnDemand(): ChildProcess {
  const child = spawn('/bin/sh', ['-c', 'read x; sleep 600 </dev/null >/dev/null 2>&1 & wait'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(child);
  return child;
}

/** Members of session `sid` other than its leader, looked up without a pass of held.ts. */
function othersIn(sid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid === sid) continue;
    const stat = readProcStat(pid);
    if (stat !== null && stat.session === sid) out.push(pid);
  }
  return out;
}

/** Waits without letting the event loop turn (so that the kept pidfds cannot expire meanwhile). */
function spinUntil(check: () => boolean, ms: number): boolean {
  const end = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < end) {
    if (check()) return true;
    Atomics.wait(pause, 0, 0, 2);
  }
  return check();
}

function record(pids: number[], name: string): string {
  const utmp = join(dir, name);
  writeUtmp(writer, utmp, pids.map((pid, i) => ({ pid, line: `pts/${4500 + i}`, user: `held${i}`, loginMs: Date.now() })));
  return utmp;
}

beforeAll(() => {
  dir = makeTempDir('st-held-pass-');
  writer = buildUtmpWriter(dir);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.pid !== undefined && !isGone(c.pid)) c.kill('SIGKILL');
  for (const pid of forked) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  forked.clear();
  stopAll();
  dropKept();
});
afterAll(() => removeDir(dir));

describe.skipIf(pidfds() === null)('the next pass reads what may have changed, and sees everything as it is', () => {
  it('a process started in a target session after the pass before is read, held and ended; the others are not read again', async () => {
    const shell = forkOnDemand();
    const sid = shell.pid!;
    await waitFor(() => readProcStat(sid) !== null, 5_000);
    const utmp = record([sid], 'utmp-fork');
    const ids = new Set([sid]);

    dropKept();
    const first = readHeldPass(ids);
    expect(othersIn(sid)).toEqual([]);
    first.release();
    // From here to the second pass the event loop does not turn: the first pass's pidfds are kept.
    shell.stdin!.write('go\n');
    expect(spinUntil(() => othersIn(sid).length === 1, 5_000)).toBe(true);
    const [sleep] = othersIn(sid) as [number];
    forked.add(sleep);
    const before = reads();
    const second = readHeldPass(ids);
    const read = reads() - before;

    expect(second.processes.get(sleep)?.session).toBe(sid);
    // Read: the processes started since the first pass (the sleep, and whatever other test files
    // start meanwhile), and of the others only those whose parent has exited or that lead a session
    // with a terminal (held.ts unchanged()); one read() each. A full pass reads every one.
    const since = [...second.processes.keys()].filter((pid) => !first.processes.has(pid)).length;
    const again = [...first.processes].filter(
      ([pid, s]) => second.processes.has(pid) && ((s.session === pid && s.ttyNr !== 0) || (s.ppid > 1 && !second.processes.has(s.ppid))),
    ).length;
    const unread = second.processes.size - since - again;
    expect(unread).toBeGreaterThan(20);
    expect(read).toBeLessThanOrEqual(since + again + 5); // + reading /proc/self/io
    second.release();

    // A log-off now (its pass as the second was) ends the shell and the sleep started after the first pass.
    const outcomes = await logoffSessions({ utmpPath: utmp, devDir: '/dev' }, [{ SessionId: sid }], true, never);
    expect(outcomes.map((o) => o.Error)).toEqual([null]);
    expect(isGone(sid)).toBe(true);
    expect(await waitFor(() => isGone(sleep), 5_000)).toBe(true);
  });

  it('a process that has exited since the pass before is not in the next one, and nothing of it is held', async () => {
    const [a, b] = [await startLeader('plain'), await startLeader('plain')];
    const ids = new Set([a, b]);
    dropKept();
    const first = readHeldPass(ids);
    expect(first.processes.has(a)).toBe(true);
    first.release();
    process.kill(a, 'SIGKILL');
    expect(spinUntil(() => isGone(a), 5_000)).toBe(true);
    const second = readHeldPass(ids);
    expect(second.processes.has(a)).toBe(false);
    expect(second.take(a)).toBeNull();
    expect(second.processes.get(b)?.session).toBe(b);
    const fd = second.take(b);
    expect(fd).not.toBeNull();
    expect(second.take(b)).toBeNull(); // taken once: the caller's from then on
    pidfds()!.close(fd!);
    second.release();
  });
});

describe.skipIf(pidfds() === null)('a process whose parent has exited since the pass before', () => {
  it('is read again: the next pass has its new parent', async () => {
    const shell = spawn('/bin/sh', ['-c', 'sleep 600 </dev/null >/dev/null 2>&1 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(shell);
    const child = Number(await new Promise<string>((resolve) => shell.stdout!.once('data', (d: Buffer) => resolve(d.toString()))));
    forked.add(child);
    const ids = new Set([shell.pid!]);
    dropKept();
    const first = readHeldPass(ids);
    expect(first.processes.get(child)?.ppid).toBe(shell.pid);
    first.release();
    process.kill(shell.pid!, 'SIGKILL');
    expect(spinUntil(() => readProcStat(child)?.ppid !== shell.pid, 5_000)).toBe(true);
    const second = readHeldPass(ids);
    expect(second.processes.get(child)?.ppid).toBe(readProcStat(child)?.ppid);
    expect(second.processes.get(child)?.ppid).not.toBe(shell.pid);
    second.release();
  });
});

describe('log-off requests that reach the backend together', () => {
  it('are answered each for its own targets, in order; with and without Wait alike', async () => {
    const pids = await Promise.all(Array.from({ length: 6 }, () => startLeader('plain')));
    const utmp = record(pids, 'utmp-together');
    const logoff = createLinuxBackend({ utmpPath: utmp, devDir: '/dev' }).actions['sessions.logoff'];
    const ask = (ids: number[], wait: boolean) => logoff({ Targets: ids.map((SessionId) => ({ SessionId })), Wait: wait } as never);
    const [one, two, three] = await Promise.all([ask([pids[0]!, 999_999], true), ask([pids[1]!, pids[2]!], false), ask([pids[3]!, pids[4]!, pids[5]!], true)]);

    expect(one.Outcomes.map((o) => [o.Target.SessionId, o.Error?.ErrorId ?? null])).toEqual([
      [pids[0], null],
      [999_999, 'SessionNotFound'],
    ]);
    // Without Wait, the answer carries each session as it was before the signal.
    expect(two.Outcomes.map((o) => [o.Target.SessionId, o.Item?.SessionId, o.Error])).toEqual([
      [pids[1], pids[1], null],
      [pids[2], pids[2], null],
    ]);
    expect(three.Outcomes.map((o) => [o.Target.SessionId, o.Item, o.Error])).toEqual(pids.slice(3).map((p) => [p, null, null]));
    expect(await waitFor(() => pids.every(isGone), 10_000)).toBe(true);
  });
});
