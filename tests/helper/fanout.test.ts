/**
 * sessions.list over many computers, through the real helper process on the wtsapi32 test double:
 * how many computers are asked at once (ThrottleLimit, and its declared default), and a computer
 * named twice. What the helper did is read from the double's log, where each enumeration carries
 * the double's own clock at its start and end (the server's latency included).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { THREADS_KEPT_FREE } from '../../src/backend/wts/threadpool.ts';
import { ListSessions } from '../../src/protocol/methods.ts';
import { mostAtOnce, type FixtureServer } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const local: FixtureServer = { name: '.', sessions: [] };

/** Servers named srv0..srv<n-1> with no sessions: listing one is one enumeration that takes `latencyMs`. */
function emptyServers(n: number, latencyMs: number): FixtureServer[] {
  return Array.from({ length: n }, (_, i) => ({ name: `srv${i}`, latencyMs, sessions: [] }));
}

describe('sessions.list fans out over computers, ThrottleLimit at a time', () => {
  it('asks at most ThrottleLimit computers at once, and all of them in the end', async () => {
    const servers = emptyServers(6, 700);
    const wts = startWtsHelper([local, ...servers]);
    const names = servers.map((s) => s.name);

    const started = Date.now();
    expect(await wts.list({ ComputerName: names, ThrottleLimit: 2 })).toEqual({ Items: [], Errors: [] });
    const took = Date.now() - started;
    const narrow = wts.calls('WTSEnumerateSessionsExW');
    expect(narrow.map((c) => c.server).sort()).toEqual([...names].sort());
    expect(mostAtOnce(narrow)).toBe(2);
    expect(took).toBeGreaterThanOrEqual(3 * 700);

    // The same six with a limit of six: all at once.
    expect(await wts.list({ ComputerName: names, ThrottleLimit: 6 })).toEqual({ Items: [], Errors: [] });
    const wide = wts.calls('WTSEnumerateSessionsExW').slice(narrow.length);
    expect(wide).toHaveLength(6);
    // More than the narrow limit at once (all six needs six worker threads up within 700 ms,
    // which a loaded two-core machine does not always give).
    expect(mostAtOnce(wide)).toBeGreaterThan(2);
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });

  it(`asks ${ListSessions.params.ThrottleLimit.default} at once when ThrottleLimit is not given (the declared default)`, async () => {
    const limit = ListSessions.params.ThrottleLimit.default as number;
    const servers = emptyServers(limit + 2, 3_000);
    // Pool threads for every one of them (and the two kept free, threadpool.ts): the default, not the
    // slots, is what holds the last two back (the module's pool has slots for fewer than the default).
    const wts = startWtsHelper([local, ...servers], {}, undefined, { UV_THREADPOOL_SIZE: String(limit + 2 + THREADS_KEPT_FREE) });
    expect(await wts.list({ ComputerName: servers.map((s) => s.name) }, 30_000)).toEqual({ Items: [], Errors: [] });
    const calls = wts.calls('WTSEnumerateSessionsExW');
    expect(calls).toHaveLength(limit + 2);
    expect(mostAtOnce(calls)).toBeLessThanOrEqual(limit);
    // The last two computers were asked only after the first answers came back.
    const byStart = [...calls].sort((a, b) => a.t0 - b.t0);
    const firstEnd = Math.min(...calls.map((c) => c.t1));
    expect(byStart.slice(limit).every((c) => c.t0 >= firstEnd)).toBe(true);
    // ...and the first `limit` did run together (more than half of them at one moment at least).
    expect(mostAtOnce(calls)).toBeGreaterThan(limit / 2);
  });
});

describe('TimeoutSec', () => {
  it('gives up on a computer slower than TimeoutSec with one ComputerTimeout; the others answer meanwhile', async () => {
    const wts = startWtsHelper([
      local,
      // Far slower than TimeoutSec, so that a loaded machine's slow worker start still ends first.
      { name: 'slow', latencyMs: 8_000, sessions: [] },
      { name: 'quick', sessions: [{ id: 7, state: 'Active', winStation: 'RDP-Tcp#7', user: 'erin', domain: 'LAB' }] },
    ]);
    const started = Date.now();
    const result = await wts.list({ ComputerName: ['slow', 'quick'], TimeoutSec: 1 });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result.Items.map((s) => [s.ComputerName, s.SessionId])).toEqual([['quick', 7]]);
    expect(result.Errors).toEqual([{ ErrorId: 'ComputerTimeout', Message: 'slow did not answer within 1 s.', Target: 'slow', ComputerName: 'slow' }]);
  });
});

describe('a computer named more than once', () => {
  const servers: FixtureServer[] = [
    local,
    // srv1 answers last, yet comes first: sessions are grouped in the order the computers were named.
    { name: 'srv1', latencyMs: 400, sessions: [{ id: 2, state: 'Active', winStation: 'RDP-Tcp#0', user: 'carol', domain: 'LAB' }] },
    { name: 'srv2', sessions: [{ id: 5, state: 'Disconnected', winStation: 'RDP-Tcp#4', user: 'dave', domain: 'LAB' }] },
    { name: 'dead', fail: 1722, sessions: [] },
  ];

  it('is asked once (names compared case-insensitively, as Windows does), and reported as first named', async () => {
    const wts = startWtsHelper(servers);
    const result = await wts.list({ ComputerName: ['srv1', 'SRV2', 'Srv1', 'dead', 'DEAD', 'srv2', 'SRV1'] });
    expect(result.Items.map((s) => [s.ComputerName, s.SessionId, s.UserName])).toEqual([
      ['srv1', 2, 'carol'],
      ['SRV2', 5, 'dave'],
    ]);
    expect(result.Errors).toEqual([
      expect.objectContaining({ ErrorId: 'ComputerUnreachable', Target: 'dead', ComputerName: 'dead' }),
    ]);
    const events = wts.events();
    const opened = events.filter((e) => e.event === 'open').map((e) => (e as { server: string }).server);
    // Opened under the first spelling only (each of the backend's tasks opens its own handle).
    expect([...new Set(opened)].sort()).toEqual(['SRV2', 'dead', 'srv1']);
    expect(wts.calls('WTSEnumerateSessionsExW').map((c) => c.server.toLowerCase()).sort()).toEqual(['dead', 'srv1', 'srv2']);
    expect(leftovers(events)).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
