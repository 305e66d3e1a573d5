/**
 * The asynchronous WTS calls of a remote listing (src/backend/wts/async-calls.ts, remote-list.ts),
 * in this process on the wtsapi32 double: a computer given up on is answered at once while its
 * calls go on, hold their slots until they return (so calls to hosts that hang are bounded and new
 * ones wait), and free what they return and close their handles; each computer's timeout counts
 * from its own first call. The double's log (each call's thread and clock at start and end) shows
 * it. The support checks after every test that every buffer was freed once and every handle closed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import { handlesClosed, leakedBuffers, mostAtOnce, readLog, toFileTime, writeFixture, type CallEvent, type FixtureSession } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('pool-async');
const backends: Backend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close?.()));
});
const never = new AbortController().signal;
const NOW = toFileTime(new Date('2026-03-01T12:00:00Z'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rdp(id: number): FixtureSession {
  return { id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB', clientName: `PC${id}`, address: `10.0.0.${id}`, protocol: 2, logon: NOW, lastInput: NOW, current: NOW };
}

/** A backend with `slots` slots for native calls (this process's libuv pool has four threads). */
function withSlots(slots: number): Backend {
  const backend = createWtsBackend({ libraryPath: wts.library, poolSize: 2, maxNativeCalls: slots });
  backends.push(backend);
  return backend;
}

const calls = (server: string): CallEvent[] => readLog(wts.log).filter((e): e is CallEvent => e.event === 'call' && e.server === server);
const opened = (server: string): boolean => readLog(wts.log).some((e) => e.event === 'open' && e.server === server);
/** The double logs a call when it returns; this waits until `server` has a call in flight (its open logged, no call returned yet). */
async function inFlight(server: string): Promise<void> {
  while (!opened(server)) await sleep(10);
  await sleep(50);
}

describe('asynchronous calls to remote computers', () => {
  it('a computer given up on is answered at once; its call keeps its slot until it returns, so new computers wait (bounded)', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'hung0', latencyMs: 1_500, sessions: [rdp(2)] }, { name: 'hung1', latencyMs: 1_500, sessions: [rdp(2)] }, { name: 'fast', sessions: [rdp(3)] }]);
    const backend = withSlots(2);
    const giveUp = async (computer: string): Promise<unknown> => {
      const abort = new AbortController();
      const listing = backend.list(computer, { includeSystem: false, signal: abort.signal }).catch((e: unknown) => e);
      await inFlight(computer);
      const t0 = Date.now();
      abort.abort();
      const answer = await listing;
      expect(Date.now() - t0).toBeLessThan(500);
      return answer;
    };
    expect(await giveUp('hung0')).toMatchObject({ errorId: 'ComputerTimeout' });
    expect(await giveUp('hung1')).toMatchObject({ errorId: 'ComputerTimeout' });
    expect(backend.stuckCalls?.()).toBe(2);
    // Both slots are held by calls given up on: the next computer waits for one to return.
    const fast = await backend.list('fast', { includeSystem: false, signal: never });
    expect(fast.map((s) => [s.ComputerName, s.SessionId, s.UserName])).toEqual([['fast', 3, 'user3']]);
    // The hung enumerations returned long after they were given up: their arrays freed, their handles closed, no query made.
    expect(await handlesClosed(wts.log, 5_000)).toBe(true);
    const firstReturn = Math.min(...['hung0', 'hung1'].map((h) => calls(h)[0]!.t1));
    expect(calls('fast')[0]!.t0).toBeGreaterThanOrEqual(firstReturn);
    for (const h of ['hung0', 'hung1']) expect(calls(h).map((c) => c.fn)).toEqual(['WTSEnumerateSessionsExW']);
    await sleep(100);
    expect(backend.stuckCalls?.()).toBe(0);
  });

  it('a computer given up on while it waits for a slot never starts', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'slow', latencyMs: 600, sessions: [] }, { name: 'queued', sessions: [] }]);
    const backend = withSlots(1);
    const slow = backend.list('slow', { includeSystem: false, signal: never });
    const abort = new AbortController();
    const queued = backend.list('queued', { includeSystem: false, signal: abort.signal }).catch((e: unknown) => e);
    await inFlight('slow');
    abort.abort();
    expect(await queued).toMatchObject({ errorId: 'ComputerTimeout' });
    expect(await slow).toEqual([]);
    await sleep(100);
    expect(opened('queued')).toBe(false);
  });

  it("counts each computer's timeout from its own first call: a slow one times out while a fast one is answered", async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'slow', latencyMs: 1_000, sessions: [rdp(2)] }, { name: 'fast', latencyMs: 20, sessions: [rdp(4)] }]);
    const backend = withSlots(2);
    const started = Date.now();
    const slow = backend.list('slow', { includeSystem: false, signal: never, timeoutMs: 300 }).catch((e: unknown) => e);
    const fast = await backend.list('fast', { includeSystem: false, signal: never, timeoutMs: 300 });
    expect(fast.map((s) => s.SessionId)).toEqual([4]);
    expect(await slow).toMatchObject({ errorId: 'ComputerTimeout', message: 'slow did not answer within 0.3 s.' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('given up in the middle of its queries: every buffer that comes back later is freed once, every handle closed', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'farm', latencyMs: 400, sessions: [rdp(2), rdp(3), rdp(4)] }]);
    const backend = withSlots(3);
    const abort = new AbortController();
    const listing = backend.list('farm', { includeSystem: false, signal: abort.signal }).catch((e: unknown) => e);
    // The enumeration is logged when it returns; then the queries start.
    while (calls('farm').length === 0) await sleep(10);
    await sleep(100);
    abort.abort();
    expect(await listing).toMatchObject({ errorId: 'ComputerTimeout' });
    expect(await handlesClosed(wts.log, 5_000)).toBe(true);
    const events = readLog(wts.log);
    const queryBuffers = events.filter((e) => e.event === 'alloc' && e.kind === 'query');
    // Three lanes were inside a query when it was given up: their buffers came back afterwards.
    expect(queryBuffers.length).toBeGreaterThanOrEqual(3);
    expect(leakedBuffers(events)).toEqual([]);
    expect(events.filter((e) => e.event === 'badfree')).toEqual([]);
    // Nothing was asked after it was given up: each lane stopped after the call it was in.
    expect(calls('farm').filter((c) => c.fn === 'WTSQuerySessionInformationW')).toHaveLength(3);
  });

  it('a round begun on one lane (no slot free) takes a second lane when a slot frees while two queries wait', async () => {
    // Two slots: 'first' holds one for its enumeration (200 ms, no sessions), 'srv' the other; when
    // srv's enumeration returns (150 ms) no slot is free, so its three queries start on its one lane.
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'first', latencyMs: 200, sessions: [] }, { name: 'srv', latencyMs: 150, sessions: [rdp(2)] }]);
    const backend = withSlots(2);
    const first = backend.list('first', { includeSystem: false, signal: never });
    const srv = backend.list('srv', { includeSystem: false, signal: never });
    expect(await first).toEqual([]);
    expect((await srv).map((s) => [s.SessionId, s.UserName, s.ClientName, s.Protocol])).toEqual([[2, 'user2', 'PC2', 'RDP']]);
    const queries = calls('srv').filter((c) => c.fn === 'WTSQuerySessionInformationW');
    expect(queries).toHaveLength(3);
    // Its first query alone; by its return 'first' had given its slot back: the other two side by
    // side, on a second handle (one lane, as before, asked all three one after another).
    expect(readLog(wts.log).filter((e) => e.event === 'open' && e.server === 'srv')).toHaveLength(2);
    expect(mostAtOnce(queries)).toBe(2);
    expect(Math.min(...queries.slice(1).map((q) => q.t0))).toBeGreaterThanOrEqual((queries[0] as CallEvent).t1);
  });

  it('log-offs of a remote computer: one handle, in a slot, which they wait for like a listing', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'hung', latencyMs: 1_200, sessions: [rdp(2)] }, { name: 'srv', sessions: [rdp(3), rdp(4)] }]);
    const backend = withSlots(1);
    const abort = new AbortController();
    const hung = backend.list('hung', { includeSystem: false, signal: abort.signal }).catch((e: unknown) => e);
    await inFlight('hung');
    abort.abort();
    expect(await hung).toMatchObject({ errorId: 'ComputerTimeout' });
    const { Outcomes } = await backend.actions['sessions.logoff']({ Targets: [{ ComputerName: 'srv', SessionId: 3 }, { ComputerName: 'srv', SessionId: 4 }, { ComputerName: 'srv', SessionId: 9 }], Wait: true });
    expect(Outcomes.map((o) => [o.Target.SessionId, o.Item, o.Error?.ErrorId ?? null])).toEqual([[3, null, null], [4, null, null], [9, null, 'SessionNotFound']]);
    const logoffs = readLog(wts.log).filter((e) => e.event === 'logoff');
    expect(logoffs.map((e) => [(e as { server: string }).server, (e as { session: number }).session, (e as { wait: number }).wait])).toEqual([['srv', 3, 1], ['srv', 4, 1], ['srv', 9, 1]]);
    // It waited for the slot the given-up enumeration held until it returned.
    await handlesClosed(wts.log, 5_000);
    expect((logoffs[0] as { t0: number }).t0).toBeGreaterThanOrEqual(calls('hung')[0]!.t1);
    expect(readLog(wts.log).filter((e) => e.event === 'open' && e.server === 'srv')).toHaveLength(1);
  });
});
