/**
 * The fan-out over remote computers through the real helper process, whose asynchronous WTS calls
 * wait on threads of libuv's pool (src/backend/wts/async-calls.ts, threadpool.ts): many calls
 * really are in flight at once, never more than the pool's threads less those kept free, and a
 * pool full of calls to hosts that hang leaves the helper's own file work (its stdio under Wine,
 * SESSIONTOOLS_HELPER_STDIO=fs) running. Read from the double's log (each call's clock at its start
 * and end).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { nativeCallLimit } from '../../src/backend/wts/threadpool.ts';
import { mostAtOnce, toFileTime, type CallEvent, type FixtureServer, type FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers, type RpcAnswer } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const NOW = toFileTime(new Date('2026-03-01T12:00:00Z'));
const local: FixtureServer = { name: '.', sessions: [{ id: 1, state: 'Active', winStation: 'Console', user: 'alice', domain: 'CORP' }] };
const session = (id: number): FixtureSession => ({ id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `u${id}`, domain: 'LAB', address: '10.0.0.9', protocol: 2, logon: NOW, current: NOW });

describe('asynchronous calls in the helper process', () => {
  it('has as many calls in flight as the pool allows (UV_THREADPOOL_SIZE less the threads kept free), never more', async () => {
    const threads = 40;
    const limit = nativeCallLimit(threads);
    const hosts = Array.from({ length: 30 }, (_, i): FixtureServer => ({ name: `h${i}`, latencyMs: 300, sessions: [session(2), session(3)] }));
    const wts = startWtsHelper([local, ...hosts], {}, undefined, { UV_THREADPOOL_SIZE: String(threads) });
    const answer = await wts.list({ ComputerName: hosts.map((h) => h.name), ThrottleLimit: 30 }, 30_000);
    expect(answer.Errors).toEqual([]);
    expect(answer.Items).toHaveLength(60);
    const calls = wts.events().filter((e): e is CallEvent => e.event === 'call');
    // 30 enumerations, then 180 queries: the 30 computers' first lanes, and more lanes in the slots left.
    expect(calls).toHaveLength(30 + 180);
    // At the limit but for the moments a lane is between two calls (the double's clock sees an end and a start apart).
    expect(mostAtOnce(calls)).toBeLessThanOrEqual(limit);
    expect(mostAtOnce(calls)).toBeGreaterThanOrEqual(limit - 4);
    expect(mostAtOnce(calls.filter((c) => c.fn === 'WTSEnumerateSessionsExW'))).toBe(30);
    expect(new Set(calls.map((c) => c.tid)).size).toBeGreaterThanOrEqual(limit);
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });

  it("keeps threads free for the helper's own file work: with its stdio on the pool (fs), hung hosts filling every slot do not stop it", async () => {
    // Four threads, two for WTS calls: the four hosts' first calls take both and hang; stdin is read
    // and stdout written by the other two. Were every thread given to WTS calls, the next request
    // would not even be read until a hung call returned.
    const hung = Array.from({ length: 4 }, (_, i): FixtureServer => ({ name: `hung${i}`, latencyMs: 4_000, sessions: [] }));
    const wts = startWtsHelper([local, ...hung], {}, undefined, { UV_THREADPOOL_SIZE: '4', SESSIONTOOLS_HELPER_STDIO: 'fs' });
    const hanging = wts.list({ ComputerName: hung.map((h) => h.name), TimeoutSec: 1 }, 30_000);
    while (!wts.events().some((e) => e.event === 'open' && e.server === 'hung1')) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    const here = (await wts.helper.call('sessions.list', {}, 'here', 10_000)) as RpcAnswer;
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((here.result as { Items: { UserName: string }[] }).Items.map((s) => s.UserName)).toEqual(['alice']);
    // The hung hosts each end at their timeout, counted from their own first call.
    const answer = await hanging;
    expect(answer.Errors.map((e) => e.ErrorId)).toEqual(['ComputerTimeout', 'ComputerTimeout', 'ComputerTimeout', 'ComputerTimeout']);
    expect(mostAtOnce(wts.events().filter((e): e is CallEvent => e.event === 'call' && e.server.startsWith('hung')))).toBe(2);
  });
});
