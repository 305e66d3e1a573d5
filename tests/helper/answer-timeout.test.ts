/**
 * The helper answers a fan-out before the client stops waiting for it. answerTimeoutMs (the client's
 * wait, computed as Methods.cs computes it) on the declared policies, and the real helper on the
 * wtsapi32 double: when calls to hosts that never answer hold every slot for native calls, the
 * computers that wait for a slot are answered with ComputerTimeout before the client's time is up
 * (the module's side, that nothing is lost in PowerShell, is tests/wts/WtsSlots.Tests.ps1).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { answerTimeoutMs, MAX_ANSWER_SECONDS } from '../../src/protocol/answer-timeout.ts';
import { ListSessions, LogoffSessions, SendMessage } from '../../src/protocol/methods.ts';
import type { OpenEvent } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const listParams = (n: number, throttle = 256, timeoutSec = 15) => ({ ComputerName: Array.from({ length: n }, (_, i) => `srv${i}`), ThrottleLimit: throttle, TimeoutSec: timeoutSec });

describe("answerTimeoutMs: the client's wait for an answer", () => {
  it('a listing of this computer: the method\'s 30 s', () => {
    expect(answerTimeoutMs(ListSessions.timeout, listParams(0), undefined)).toBe(30_000);
  });

  it('a fan-out: one TimeoutSec per round of ThrottleLimit computers plus 15 s, never under 30 s', () => {
    expect(answerTimeoutMs(ListSessions.timeout, listParams(256), undefined)).toBe(30_000);
    expect(answerTimeoutMs(ListSessions.timeout, listParams(257), undefined)).toBe(45_000);
    expect(answerTimeoutMs(ListSessions.timeout, listParams(10, 3, 20), undefined)).toBe(95_000);
    expect(answerTimeoutMs(ListSessions.timeout, listParams(1, 1, 1), undefined)).toBe(30_000);
  });

  it('a flag that asks to wait: its seconds', () => {
    expect(answerTimeoutMs(LogoffSessions.timeout, { Targets: [], Wait: true }, undefined)).toBe(120_000);
    expect(answerTimeoutMs(LogoffSessions.timeout, { Targets: [], Wait: false }, undefined)).toBe(30_000);
  });

  it('one round without items (a message: every session at once): its TimeoutSec plus 30 s, never under 30 s', () => {
    expect(answerTimeoutMs(SendMessage.timeout, { Targets: [{ SessionId: 1 }, { SessionId: 2 }], TimeoutSec: 100 }, undefined)).toBe(130_000);
    expect(answerTimeoutMs(SendMessage.timeout, { Targets: [], TimeoutSec: 0 }, undefined)).toBe(30_000);
  });

  it.each([
    ['5', 5_000],
    [' 7.9 ', 7_000],
    ['1e1', 10_000],
    ['1', 1_000],
    ['1e300', MAX_ANSWER_SECONDS * 1000],
    ['99999999999999999999999', MAX_ANSWER_SECONDS * 1000],
  ])('SESSIONTOOLS_RPC_TIMEOUT_SECONDS=%j replaces the policy: %i ms', (value, ms) => {
    expect(answerTimeoutMs(ListSessions.timeout, listParams(1000), value)).toBe(ms);
  });

  it.each(['0', '0.5', '-3', 'soon', '0x10', '', '1,5'])('SESSIONTOOLS_RPC_TIMEOUT_SECONDS=%j is no number of at least 1: the policy stands', (value) => {
    expect(answerTimeoutMs(ListSessions.timeout, listParams(257), value)).toBe(45_000);
  });
});

describe('a fan-out whose slots are all held by calls that never return', () => {
  it('answers the computers still waiting for a slot with ComputerTimeout before the client stops waiting', async () => {
    // Four pool threads: two slots (two kept free, threadpool.ts). Four hosts that never answer:
    // two take the slots and keep them (a call given up on holds its slot until it returns), two
    // wait. The client waits 6 s (the override); the backstop alone (3 x TimeoutSec + 10 s) is 13 s.
    const dead = Array.from({ length: 4 }, (_, i) => ({ name: `dead${i}`, latencyMs: 60_000, sessions: [] }));
    const wts = startWtsHelper([{ name: '.', sessions: [] }, ...dead], {}, undefined, { UV_THREADPOOL_SIZE: '4', SESSIONTOOLS_RPC_TIMEOUT_SECONDS: '6' });
    const started = Date.now();
    const result = await wts.list({ ComputerName: dead.map((d) => d.name), ThrottleLimit: 4, TimeoutSec: 1 }, 12_000);
    const took = Date.now() - started;
    expect(took).toBeLessThan(6_000);
    expect(result.Items).toEqual([]);
    expect(result.Errors.map((e) => [e.ComputerName, e.ErrorId])).toEqual(dead.map((d) => [d.name, 'ComputerTimeout']));
    // The two that had slots timed out after their 1 s; the two that never got one, at the client's time less the margin.
    const waited = result.Errors.filter((e) => String(e.Message).includes("before the command's time ran out"));
    expect(waited).toHaveLength(2);
    expect(result.Errors.filter((e) => e.Message === `${e.ComputerName} did not answer within 1 s.`)).toHaveLength(2);
    // Never asked: only the two that had slots opened a handle on the double (their calls never
    // return); the two opens run side by side, in either order.
    expect(wts.events().filter((e): e is OpenEvent => e.event === 'open').map((e) => e.server).sort()).toEqual(['dead0', 'dead1']);
  }, 20_000);
});
