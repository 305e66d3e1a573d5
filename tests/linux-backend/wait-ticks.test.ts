/**
 * The tick of the shared wait (src/backend/linux/waiter.ts), on real processes: it starts at
 * WAIT_TIMING.pollMs, doubles while nothing ends up to maxPollMs, is pollMs again right after a
 * process has ended, and stops once no wait is left. Read from the timers the wait sets (an
 * async_hooks init hook: each Timeout whose callback is the waiter's tick, with the delay Node
 * gave it), and from the wait's report of each end, in one log: the order in which they happen
 * does not depend on how fast this machine runs, so nothing here is measured in time.
 */
import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { pendingWaits, WAIT_TIMING, waitForAll, type Leader } from '../../src/backend/linux/waiter.ts';
import { checkLeader } from './leader-check.ts';
import { startLeader, stopAll, waitFor } from './support.ts';
import { killAllNow, within } from './wait-support.ts';

/** The log: a number for each tick the wait set (its delay, ms), a name for each process it saw end. */
type Entry = number | string;
const log: Entry[] = [];
const ticks = createHook({
  init(_id, type, _trigger, resource) {
    if (type !== 'Timeout') return;
    const timer = resource as { _onTimeout?: { name?: string }; _idleTimeout?: unknown };
    if (timer._onTimeout?.name !== 'tick') return;
    log.push(typeof timer._idleTimeout === 'number' ? timer._idleTimeout : `a timer without a delay: ${String(timer._idleTimeout)}`);
  },
});

/** The delays of ticks while nothing ends, from the first: pollMs doubling up to maxPollMs, then maxPollMs. */
function backoff(n: number): number[] {
  const out: number[] = [];
  for (let ms: number = WAIT_TIMING.pollMs; out.length < n; ms = Math.min(ms * 2, WAIT_TIMING.maxPollMs)) out.push(ms);
  return out;
}
/** Ticks to the ceiling (1, 2, 4, 8, 16, 25 with the shipped timing), and two more at it. */
const QUIET = backoff(64).indexOf(WAIT_TIMING.maxPollMs) + 3;

const opened: Leader[] = [];
afterEach(() => {
  ticks.disable();
  log.length = 0;
  stopAll();
  for (const l of opened.splice(0)) if (l.pidfd !== null) pidfds()?.close(l.pidfd);
});

/** A live process to wait for: held by a pidfd, or (withPidfd false) by pid and start time, looked for in /proc. */
async function leader(withPidfd: boolean): Promise<Leader> {
  const pid = await startLeader('plain');
  const check = checkLeader(pid, Date.now());
  if (check.status !== 'live') throw new Error(`pid ${pid} is ${check.status}`);
  const l = { pid, startTicks: check.startTicks, pidfd: withPidfd ? pidfds()!.open(pid) : null };
  opened.push(l);
  return l;
}

/** The entries of the log after `name`, up to the next name. */
function after(name: string): Entry[] {
  const rest = log.slice(log.indexOf(name) + 1);
  const next = rest.findIndex((e) => typeof e === 'string');
  return next < 0 ? rest : rest.slice(0, next);
}
const ticksAfter = (name: string): number => after(name).filter((e) => typeof e === 'number').length;

/**
 * Waits for `a` and `b` together: `a` ended once the tick has backed off to its ceiling, `b` a
 * few ticks after `a` was seen ended; then long enough for any tick after the last end to run.
 */
async function scenario(a: Leader, b: Leader): Promise<void> {
  expect(pendingWaits()).toBe(0);
  ticks.enable();
  log.push('start');
  const wait = waitForAll([a, b], 30_000, true, (l) => log.push(l === a ? 'a' : 'b'));
  expect(await waitFor(() => ticksAfter('start') >= QUIET, 10_000, 5)).toBe(true);
  killAllNow([a.pid]);
  expect(await waitFor(() => log.includes('a') && ticksAfter('a') >= 3, 10_000, 5)).toBe(true);
  killAllNow([b.pid]);
  expect(await within(wait, 10_000, 'the wait for both')).toEqual(new Set([a, b]));
  // A tick after the last end would be due in at most maxPollMs: timers run in the order they are due.
  await new Promise((resolve) => setTimeout(resolve, WAIT_TIMING.maxPollMs * 8));
  ticks.disable();

  const quiet = after('start');
  expect(quiet.slice(0, QUIET)).toEqual(backoff(QUIET));
  expect(quiet).toEqual(backoff(quiet.length));
  expect(log.indexOf('a')).toBeLessThan(log.indexOf('b'));
  const between = after('a');
  expect(between.length).toBeGreaterThanOrEqual(3);
  expect(between).toEqual(backoff(between.length));
  expect(after('b')).toEqual([]);
  expect(pendingWaits()).toBe(0);
}

describe('the tick of the shared wait', () => {
  it.skipIf(pidfds() === null)('processes held by pidfds (the epoll set): backs off to maxPollMs while nothing ends, is pollMs again after each end, and stops after the last', async () => {
    await scenario(await leader(true), await leader(true));
  });

  it('processes without pidfds (looked for in /proc): the same', async () => {
    await scenario(await leader(false), await leader(false));
  });
});
