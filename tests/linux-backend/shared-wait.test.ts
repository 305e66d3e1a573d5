/**
 * The one shared wait of the Linux logoff (src/backend/linux/waiter.ts, exit-watch.ts) and the
 * escalation of many processes together (escalation.ts startLogoffs), on real processes: with
 * pidfds and epoll, waits in progress share one timer, whose tick asks the epoll set which
 * processes have exited; each wait ends at its own deadline or once its processes have exited;
 * processes ended together each settle as soon as they have ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LOGOFF_TIMING, startLogoffs } from '../../src/backend/linux/escalation.ts';
import { exitWatch } from '../../src/backend/linux/exit-watch.ts';
import { checkLeader } from './leader-check.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { pendingWaits, waitForAll, type Leader } from '../../src/backend/linux/waiter.ts';
import { isGone, startLeader, stopAll, type LeaderKind } from './support.ts';
import { epollEntriesOf, killAllNow, startSleepers, within } from './wait-support.ts';

/** Timers that hold the event loop open. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** A leader of `kind`, checked just now and held by a pidfd (as a logoff's pass holds it). */
async function held(kind: LeaderKind): Promise<Leader> {
  return holdPid(await startLeader(kind), true);
}

/** The live process `pid`, checked just now, with a pidfd or without. */
function holdPid(pid: number, withPidfd: boolean): Leader {
  const pidfd = withPidfd ? pidfds()!.open(pid) : null;
  const check = checkLeader(pid, Date.now());
  if (check.status !== 'live') throw new Error(`pid ${pid} is ${check.status}`);
  return { pid, startTicks: check.startTicks, pidfd };
}

/** `leaders`, whose pidfds are closed after the test. */
function kept<T extends Leader[]>(...leaders: T): T {
  opened.push(...leaders);
  return leaders;
}

const opened: Leader[] = [];
afterEach(() => {
  stopAll();
  for (const l of opened.splice(0)) if (l.pidfd !== null) pidfds()?.close(l.pidfd);
});

describe.skipIf(exitWatch() === null)('the shared wait, with pidfds and epoll', () => {
  it('one timer for two waits: each ends at its own deadline, or soon after its process exits', async () => {
    const [long, short] = [await held('ignoresHup'), await held('ignoresHup')];
    opened.push(long, short);
    const timersBefore = timers();
    const started = performance.now();
    const longWait = waitForAll([long], 10_000, true);
    const shortWait = waitForAll([short], 100, true);
    expect(pendingWaits()).toBe(2);
    expect(timers() - timersBefore).toBe(1);

    expect(await shortWait).toEqual(new Set());
    expect(performance.now() - started).toBeLessThan(LOGOFF_TIMING.hupToTermMs);
    expect(pendingWaits()).toBe(1);

    const killed = performance.now();
    process.kill(long.pid, 'SIGKILL');
    expect(await longWait).toEqual(new Set([long]));
    expect(performance.now() - killed).toBeLessThan(LOGOFF_TIMING.hupToTermMs);
    expect(pendingWaits()).toBe(0);
    expect(isGone(short.pid)).toBe(false);
  });

  it('processes escalated together each settle once ended: SIGHUP ends one at once, SIGTERM the other after hupToTermMs', async () => {
    const leaders = [await held('plain'), await held('ignoresHup'), await held('plain')];
    // Shorter than the default 2 s (escalation.test.ts proves that one), long enough to tell "at once" from "at SIGTERM".
    const timing = { ...LOGOFF_TIMING, hupToTermMs: 600 };
    const started = performance.now();
    const logoffs = startLogoffs(leaders, true, timing);
    expect(logoffs.map((l) => l.hangup)).toEqual(['sent', 'sent', 'sent']);
    const settled = logoffs.map((l) => l.done.then((r) => ({ r, ms: performance.now() - started })));

    const [first, second, third] = await Promise.all(settled);
    expect([first!.r, second!.r, third!.r]).toEqual([{ kind: 'ended' }, { kind: 'ended' }, { kind: 'ended' }]);
    expect(first!.ms).toBeLessThan(timing.hupToTermMs);
    expect(third!.ms).toBeLessThan(timing.hupToTermMs);
    expect(second!.ms).toBeGreaterThanOrEqual(timing.hupToTermMs - 5);
    expect(leaders.every((l) => isGone(l.pid))).toBe(true);
    expect(pendingWaits()).toBe(0);
  });
});

describe('the shared wait, for any process', () => {
  it('a wait for no process resolves at once, and sets no timer', async () => {
    const timersBefore = timers();
    let settled = false;
    const wait = waitForAll([], 30_000, true).then((ended) => {
      settled = true;
      return ended;
    });
    expect(timers() - timersBefore).toBe(0);
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(await wait).toEqual(new Set());
  });

  it('processes without pidfds are looked for in /proc: one that lives is not taken for ended, one that ends is seen ended', async () => {
    const [a, b] = [holdPid(await startLeader('plain'), false), holdPid(await startLeader('plain'), false)];
    expect(await within(waitForAll([a, b], 150, true), 5_000, 'the wait with a deadline')).toEqual(new Set());
    expect(pendingWaits()).toBe(0);

    const wait = waitForAll([a, b], 30_000, true);
    expect(pendingWaits()).toBe(2);
    process.kill(a.pid, 'SIGKILL');
    process.kill(b.pid, 'SIGKILL');
    expect(await within(wait, 10_000, 'the wait for both')).toEqual(new Set([a, b]));
    expect(pendingWaits()).toBe(0);
  });
});

describe.skipIf(pidfds() === null)('the shared wait, for processes held by pidfds', () => {
  it('a wait that no caller awaits (keepAlive false) holds no timer of the event loop; one awaited holds one while it lasts', async () => {
    const [background, awaited] = kept(await held('plain'), await held('plain'));
    const timersBefore = timers();
    const backgroundWait = waitForAll([background], 30_000, false);
    expect(timers() - timersBefore).toBe(0);
    const awaitedWait = waitForAll([awaited], 30_000, true);
    expect(timers() - timersBefore).toBe(1);

    process.kill(awaited.pid, 'SIGKILL');
    expect(await awaitedWait).toEqual(new Set([awaited]));
    expect(pendingWaits()).toBe(1);
    expect(timers() - timersBefore).toBe(0);

    process.kill(background.pid, 'SIGKILL');
    expect(await within(backgroundWait, 10_000, 'the background wait')).toEqual(new Set([background]));
    expect(pendingWaits()).toBe(0);
  });

  it('with pidfds and processes without, pendingWaits() counts both', async () => {
    const [withFd, without] = kept(await held('plain'), holdPid(await startLeader('plain'), false));
    const wait = waitForAll([withFd, without], 30_000, true);
    expect(pendingWaits()).toBe(2);
    killAllNow([withFd.pid, without.pid]);
    expect(await within(wait, 10_000, 'the wait')).toEqual(new Set([withFd, without]));
  });

  it('the kernel lists a pidfd in an epoll set while its process is waited for, and in none once the wait has ended, at its deadline or at the end of the process', async () => {
    const [leader] = kept(await held('plain'));
    const wait = waitForAll([leader], 150, true);
    expect(epollEntriesOf(leader.pidfd!)).toHaveLength(1);
    expect(await within(wait, 5_000, 'the wait with a deadline')).toEqual(new Set());
    expect(epollEntriesOf(leader.pidfd!)).toEqual([]);

    const ended = waitForAll([leader], 30_000, true);
    expect(epollEntriesOf(leader.pidfd!)).toHaveLength(1);
    killAllNow([leader.pid]);
    expect(await within(ended, 10_000, 'the wait')).toEqual(new Set([leader]));
    expect(epollEntriesOf(leader.pidfd!)).toEqual([]);
  });

  it('two waits for one process (the first watches its pidfd, the second polls it): the shorter ends at its deadline without it, and the longer still sees it end', async () => {
    const [leader] = kept(await held('plain'));
    const longer = waitForAll([leader], 8_000, true);
    expect(await within(waitForAll([leader], 100, true), 5_000, 'the shorter wait')).toEqual(new Set());
    expect(isGone(leader.pid)).toBe(false);
    expect(pendingWaits()).toBe(1);
    process.kill(leader.pid, 'SIGKILL');
    expect(await within(longer, 5_000, 'the longer wait')).toEqual(new Set([leader]));
  });

  it('two waits for one process, the one that watches its pidfd ending first: each ends at its deadline', async () => {
    const [leader] = kept(await held('plain'));
    const [first, second] = [waitForAll([leader], 100, true), waitForAll([leader], 300, true)];
    expect(await within(first, 5_000, 'the first wait')).toEqual(new Set());
    expect(await within(second, 5_000, 'the second wait')).toEqual(new Set());
    expect(pendingWaits()).toBe(0);
    expect(isGone(leader.pid)).toBe(false);
  });

  it('300 processes that end together, more than one epoll_wait() returns (256): each is reported, all at the same tick, and the wait ends with them', async () => {
    const leaders = kept(...startSleepers(300).map((pid) => holdPid(pid, true)));
    /** How many were reported at each tick: the reports of one tick run without a microtask between them. */
    const perTick: number[] = [];
    let inTick = false;
    const wait = waitForAll(leaders, 30_000, true, () => {
      if (!inTick) {
        inTick = true;
        perTick.push(0);
        queueMicrotask(() => (inTick = false));
      }
      perTick[perTick.length - 1]! += 1;
    });
    killAllNow(leaders.map((l) => l.pid));
    expect(await within(wait, 10_000, 'the wait')).toEqual(new Set(leaders));
    expect(perTick).toEqual([300]);
    expect(pendingWaits()).toBe(0);
  });
});
