/**
 * Binding a session's processes and ending them (src/backend/linux/session-end.ts), with real
 * processes and pidfds, for what a log-off through the backend cannot time: a process held by
 * no pass (bindSession opens its pidfd and checks it again), and processes that end between
 * being bound and being signalled; what is bound: a member the pass holds a pidfd of (not looked up
 * again), a zombie (not bound), a session /proc hid at the look whose pid it shows now (not bound).
 * What a log-off does with bound processes that are still there is logoff.test.ts's.
 */
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedSession } from '../../src/backend/linux/identity.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { readProcStat } from '../../src/backend/linux/proc.ts';
import { startLogoffs } from '../../src/backend/linux/escalation.ts';
import { bindSession, endSessions } from '../../src/backend/linux/session-end.ts';
import { waitForAll, type Leader } from '../../src/backend/linux/waiter.ts';
import {
  adopt,
  buildTestProgram,
  canChoosePids,
  deadPid,
  isGone,
  isPidfd,
  makeTempDir,
  openPidfds,
  QUICK_TIMING,
  removeDir,
  startLeader,
  startWithPid,
  stopAll,
  waitFor,
} from './support.ts';

/** Pidfds a test still holds, closed after it. */
const held: Leader[] = [];
afterEach(() => {
  for (const l of held.splice(0)) if (l.pidfd !== null && isPidfd(l.pidfd)) pidfds()?.close(l.pidfd);
  stopAll();
});

function startTicks(pid: number): number {
  const stat = readProcStat(pid);
  if (stat === null) throw new Error(`pid ${pid} is gone`);
  return stat.startTicks;
}

/** A session resolved from a record of `pid`, with these members (as identity.ts gives it). */
function session(pid: number, members: { pid: number; startTicks: number }[]): ResolvedSession {
  const record = { type: 7, pid, line: '', id: '', user: 'user0', host: '', session: 0, tvSec: 0, tvUsec: 0, addrV6: Buffer.alloc(16) };
  return { record, id: pid, members, startTicks: members[0]?.startTicks ?? null };
}

async function killAndReap(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  if (!(await waitFor(() => readProcStat(pid) === null, 5_000))) throw new Error(`pid ${pid} was not reaped`);
}

describe.skipIf(pidfds() === null)('binding and ending sessions, with pidfds', () => {
  it('bindSession without a pass: a live member is held by a new pidfd; one whose pid is now another process, or gone, is not bound, and no pidfd is left open', async () => {
    const live = await startLeader();
    const other = await startLeader();
    const gone = await deadPid();
    const before = openPidfds();
    const bound = bindSession(
      session(live, [
        { pid: live, startTicks: startTicks(live) },
        // The pid of a member that ended and whose number went to a newer process.
        { pid: other, startTicks: startTicks(other) - 1 },
        { pid: gone, startTicks: 1 },
      ]),
    );
    held.push(...bound);
    expect(bound).toEqual([{ pid: live, startTicks: startTicks(live), pidfd: expect.any(Number) }]);
    expect(isPidfd(bound[0]!.pidfd!)).toBe(true);
    expect(openPidfds()).toBe(before + 1);
  });

  it('a session whose processes all ended after being bound has ended: nothing is sent, and its pidfds are closed; the next session is ended as usual', async () => {
    const [gone, live] = [await startLeader(), await startLeader()];
    const before = openPidfds();
    const [first, second] = [bindSession(session(gone, [{ pid: gone, startTicks: startTicks(gone) }])), bindSession(session(live, [{ pid: live, startTicks: startTicks(live) }]))];
    held.push(...first!, ...second!);
    expect(openPidfds()).toBe(before + 2);
    await killAndReap(gone);

    const ends = endSessions([first!, second!], true, QUICK_TIMING);
    expect(ends.map((e) => e.hangup)).toEqual(['ended', 'sent']);
    expect(await Promise.all(ends.map((e) => e.done))).toEqual([{ kind: 'ended' }, { kind: 'ended' }]);
    expect(isGone(live)).toBe(true);
    expect(openPidfds()).toBe(before);
  });
});

describe.skipIf(pidfds() === null)('what is bound, with pidfds', () => {
  let dir: string;
  let zombieChild: string;

  beforeAll(() => {
    dir = makeTempDir('st-session-end-');
    zombieChild = buildTestProgram('zombie-child', dir);
  });
  afterAll(() => removeDir(dir));

  /** A process in a session of its own with a child that has exited and is not reaped: [parent, zombie]. */
  async function withZombie(): Promise<[number, number]> {
    const child = spawn(zombieChild, [], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    adopt(child.pid!);
    const zombie = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(Number(/^zombie (\d+)/.exec(d.toString())?.[1])));
      child.once('exit', (code) => reject(new Error(`zombie-child exited early (${code})`)));
    });
    child.stdout!.destroy();
    child.unref();
    expect(readProcStat(zombie)?.state).toBe('Z');
    return [child.pid!, zombie];
  }

  it("a member the logoff's pass holds a pidfd of is bound through that pidfd, not looked up again: one that has ended since is bound, and its session ends without a signal reaching anything", async () => {
    const pid = await startLeader();
    const ticks = startTicks(pid);
    const fromPass = pidfds()!.open(pid)!;
    held.push({ pid, startTicks: ticks, pidfd: fromPass }); // closed after the test unless the logoff closed it
    await killAndReap(pid);
    const before = openPidfds();
    const bound = bindSession(session(pid, [{ pid, startTicks: ticks }]), (p) => (p === pid ? fromPass : null));
    expect(bound).toEqual([{ pid, startTicks: ticks, pidfd: fromPass }]);
    expect(openPidfds()).toBe(before);

    const [end] = endSessions([bound], true, QUICK_TIMING);
    expect(end!.hangup).toBe('ended');
    expect(await end!.done).toEqual({ kind: 'ended' });
    expect(isPidfd(fromPass)).toBe(false);
    held.length = 0;
  });

  it('a member that has exited and is not yet reaped (a zombie) is not bound, and the pidfd opened to check it is closed; the live member is bound', async () => {
    const [parent, zombie] = await withZombie();
    const before = openPidfds();
    const bound = bindSession(
      session(parent, [
        { pid: parent, startTicks: startTicks(parent) },
        { pid: zombie, startTicks: startTicks(zombie) },
      ]),
    );
    held.push(...bound);
    expect(bound.map((l) => l.pid)).toEqual([parent]);
    expect(openPidfds()).toBe(before + 1);
  });

  it('a session known by its recorded pid alone (/proc hid it at the look) whose pid /proc shows now is not bound: that is a process the look did not see, and it gets no signal', async () => {
    const pid = await startLeader();
    const before = openPidfds();
    const hidden: ResolvedSession = { ...session(pid, []), members: null, startTicks: null };
    const bound = bindSession(hidden);
    held.push(...bound);
    expect(bound).toEqual([]);
    expect(openPidfds()).toBe(before);
    const [end] = endSessions([bound], true, QUICK_TIMING);
    expect(await end!.done).toEqual({ kind: 'ended' });
    await new Promise((r) => setTimeout(r, 100));
    expect(isGone(pid)).toBe(false);
  });
});

describe.skipIf(pidfds() === null)('the escalation, with pidfds', () => {
  it("a pidfd closed once its process ended is never signalled through again, though its number is another process's pidfd by the next signal", async () => {
    const [quick, slow, victim] = [await startLeader('plain'), await startLeader('ignoresHup'), await startLeader('plain')];
    const leaders = [quick, slow].map((pid): Leader => ({ pid, startTicks: startTicks(pid), pidfd: pidfds()!.open(pid) }));
    const logoffs = startLogoffs(leaders, true, QUICK_TIMING);
    expect(await logoffs[0]!.done).toEqual({ kind: 'ended' }); // SIGHUP ended it; SIGTERM is not due yet
    const freed = leaders[0]!.pidfd!;
    expect(isPidfd(freed)).toBe(false);
    // The lowest free numbers go first: pidfds of the victim until one takes the freed number.
    const victims: number[] = [];
    while (victims.length < 64 && victims.at(-1) !== freed) victims.push(pidfds()!.open(victim)!);
    try {
      expect(victims.at(-1)).toBe(freed);
      expect(await logoffs[1]!.done).toEqual({ kind: 'ended' }); // by SIGTERM
      expect(isGone(slow)).toBe(true);
      expect(isGone(victim)).toBe(false);
    } finally {
      for (const fd of victims) pidfds()!.close(fd);
    }
  });
});

describe.skipIf(pidfds() === null || !canChoosePids)('the first signal, with pidfds', () => {
  it('SIGHUP goes through the pidfd: a pid given to another process since its process was bound is not signalled', async ({ skip }) => {
    const pid = await startLeader();
    const leader: Leader = { pid, startTicks: startTicks(pid), pidfd: pidfds()!.open(pid) };
    await killAndReap(pid);
    if (startWithPid(pid) === null) {
      pidfds()!.close(leader.pidfd!);
      skip(`pid ${pid} went to another process on this machine, not to the test's`);
    }
    const [logoff] = startLogoffs([leader], true, QUICK_TIMING);
    expect(logoff!.hangup).toBe('ended');
    expect(await logoff!.done).toEqual({ kind: 'ended' });
    expect(isPidfd(leader.pidfd!)).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(isGone(pid)).toBe(false); // the newcomer
  });
});

describe('the shared wait for a process no pidfd holds', () => {
  it('a pid that no longer exists has ended', async () => {
    const leader: Leader = { pid: await deadPid(), startTicks: null, pidfd: null };
    expect(await waitForAll([leader], 3_000, true)).toEqual(new Set([leader]));
  });
});
