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

/** Timers that hold the event loop open. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** A leader of `kind`, checked just now and held by a pidfd (as a logoff's pass holds it). */
async function held(kind: LeaderKind): Promise<Leader> {
  const pid = await startLeader(kind);
  const pidfd = pidfds()!.open(pid);
  const check = checkLeader(pid, Date.now());
  if (check.status !== 'live') throw new Error(`pid ${pid} is ${check.status}`);
  return { pid, startTicks: check.startTicks, pidfd };
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
