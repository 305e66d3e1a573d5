/**
 * How the WTS backend lists one computer (src/backend/wts/list.ts, remote-list.ts, describe.ts),
 * read from the wtsapi32 double's log: which calls it makes per session (three, side by side on a
 * remote server), which it makes only when the first ones cannot answer, how a remote computer's
 * queries are spread over lanes (a handle and a slot each), and that this computer keeps them on
 * one worker (cut into one task per CPU when it has thousands of sessions). Every buffer freed, every handle
 * closed, after every test.
 */
import { describe, expect, it } from 'vitest';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import { describeParts, describeTasks, SESSIONS_PER_TASK } from '../../src/backend/wts/list.ts';
import { mostAtOnce, readLog, toFileTime, writeFixture, type CallEvent, type FixtureSession } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('list', { poolSize: 8 });
const never = new AbortController().signal;
const NOW = toFileTime(new Date('2026-03-01T12:00:00Z'));

/** WTS_INFO_CLASS values as Microsoft numbers them (wts-api.md 2.3). */
const CLASS = { WTSClientName: 10, WTSClientAddress: 14, WTSClientProtocolType: 16, WTSClientInfo: 23, WTSSessionInfo: 24, WTSSessionInfoEx: 25 };

function rdp(id: number, extra: Partial<FixtureSession> = {}): FixtureSession {
  return {
    id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB', clientName: `PC${id}`, address: `10.0.0.${id}`,
    protocol: 2, locked: 0, logon: NOW - 36_000_000_000n, connect: NOW - 36_000_000_000n, lastInput: NOW - 600_000_000n, current: NOW, ...extra,
  };
}

const list = (computer: string | null) => wts.backend.list(computer, { includeSystem: false, signal: never });
const queries = (): CallEvent[] => readLog(wts.log).filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSQuerySessionInformationW');
const enumerations = (): CallEvent[] => readLog(wts.log).filter((e): e is CallEvent => e.event === 'call' && e.fn.startsWith('WTSEnumerateSessions'));
/** The classes asked of each session, in the order the calls started. */
function classesBySession(): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  for (const q of [...queries()].sort((a, b) => a.t0 - b.t0)) (out[q.session as number] ??= []).push(q.infoClass as number);
  return out;
}

describe('the calls of one listing', () => {
  it('three queries per session: WTSSessionInfoEx, WTSClientInfo (name and IPv4 address) and the protocol', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'srv', sessions: [rdp(2), rdp(3, { address: '192.168.200.17', clientName: 'LAPTOP-9' })] }]);
    const sessions = await list('srv');
    expect(sessions.map((s) => [s.SessionId, s.ClientName, s.ClientAddress, s.Protocol, s.IsLocked, s.Idle])).toEqual([
      [2, 'PC2', '10.0.0.2', 'RDP', false, 60_000],
      [3, 'LAPTOP-9', '192.168.200.17', 'RDP', false, 60_000],
    ]);
    expect(enumerations().map((e) => e.fn)).toEqual(['WTSEnumerateSessionsExW']);
    const asked = classesBySession();
    for (const id of [2, 3]) expect([...asked[id]!].sort((a, b) => a - b)).toEqual([CLASS.WTSClientProtocolType, CLASS.WTSClientInfo, CLASS.WTSSessionInfoEx]);
    expect(queries().every((q) => q.ok)).toBe(true);
  });

  it('an IPv6 client: WTSClientAddress is asked as well, for the address only', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [rdp(5, { address: '2001:db8::5', clientName: 'V6-HOST' })] }]);
    const [s] = await list(null);
    expect([s?.ClientName, s?.ClientAddress]).toEqual(['V6-HOST', '2001:db8::5']);
    expect(classesBySession()[5]!.slice(3)).toEqual([CLASS.WTSClientAddress]);
  });

  it('WTSClientInfo failing (50): WTSClientName and WTSClientAddress stand in, with the same fields', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [rdp(6, { queryFail: 50, queryFailClass: CLASS.WTSClientInfo })] }]);
    const [s] = await list(null);
    expect([s?.ClientName, s?.ClientAddress, s?.Protocol, s?.UserName]).toEqual(['PC6', '10.0.0.6', 'RDP', 'user6']);
    expect(classesBySession()[6]!.slice(3).sort((a, b) => a - b)).toEqual([CLASS.WTSClientName, CLASS.WTSClientAddress]);
  });

  it('the protocol query failing (50) leaves only Protocol unknown; nothing else is asked', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [rdp(7, { queryFail: 50, queryFailClass: CLASS.WTSClientProtocolType })] }]);
    const [s] = await list(null);
    expect(s).toMatchObject({ SessionId: 7, ClientName: 'PC7', ClientAddress: '10.0.0.7', Protocol: null, IsLocked: false });
    expect(classesBySession()[7]).toHaveLength(3);
  });

  it('a server without WTSSessionInfoEx (version 6.0): WTSSessionInfo stands in; the lock state is unknown', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'old', version: '6.0', sessions: [rdp(8)] }]);
    const [s] = await list('old');
    expect(s).toMatchObject({ SessionId: 8, UserName: 'user8', ClientAddress: '10.0.0.8', Idle: 60_000, IsLocked: null, Protocol: 'RDP' });
    expect(classesBySession()[8]!.slice(3)).toEqual([CLASS.WTSSessionInfo]);
  });
});

describe('a slow computer (asynchronous calls, remote-list.ts)', () => {
  /** This file's backend with three slots for native calls (libuv's pool has four threads in this process). */
  async function withThreeSlots(): Promise<void> {
    await wts.backend.close?.();
    wts.backend = createWtsBackend({ libraryPath: wts.library, poolSize: 8, maxNativeCalls: 3 });
  }
  const opens = (server: string) => readLog(wts.log).filter((e) => e.event === 'open' && e.server === server);

  it("asks one session's three queries side by side, after the enumeration, each on its own handle: two round trips, not four", async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'far', latencyMs: 300, sessions: [rdp(2)] }]);
    await withThreeSlots();
    const [s] = await list('far');
    expect(s).toMatchObject({ SessionId: 2, ClientAddress: '10.0.0.2', Protocol: 'RDP' });
    const far = queries().filter((q) => q.server === 'far');
    const [enumeration] = enumerations().filter((e) => e.server === 'far');
    expect(far).toHaveLength(3);
    expect(far.every((q) => q.t0 >= enumeration!.t1)).toBe(true);
    expect(mostAtOnce(far)).toBe(3);
    expect(new Set(far.map((q) => q.tid)).size).toBe(3);
    expect(opens('far')).toHaveLength(3);
  });

  it("spreads many sessions' queries over as many lanes as there are free slots, never more calls at once", async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'farm', latencyMs: 100, sessions: Array.from({ length: 20 }, (_, i) => rdp(i + 2)) }]);
    await withThreeSlots();
    const sessions = await list('farm');
    expect(sessions.map((s) => s.SessionId)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const farm = queries().filter((q) => q.server === 'farm');
    expect(farm).toHaveLength(60);
    expect(mostAtOnce(farm)).toBe(3);
    expect(opens('farm')).toHaveLength(3);
  });

  it('with one slot, runs every call of a computer on one handle, one after another', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'one', latencyMs: 20, sessions: [rdp(2), rdp(3)] }]);
    await wts.backend.close?.();
    wts.backend = createWtsBackend({ libraryPath: wts.library, poolSize: 8, maxNativeCalls: 1 });
    expect((await list('one')).map((s) => s.SessionId)).toEqual([2, 3]);
    expect(mostAtOnce(queries().filter((q) => q.server === 'one'))).toBe(1);
    expect(opens('one')).toHaveLength(1);
  });
});

describe('a fast computer', () => {
  it('describes up to SESSIONS_PER_TASK sessions in one task; more in one task per CPU at most, in order', () => {
    const job = { op: 'list' as const, computer: null, computerName: 'HERE', includeSystem: false };
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ SessionId: i + 1, State: 0, SessionName: null, UserName: 'u', Domain: null }));
    const sizes = (n: number, cpus: number) => describeParts(rows(n), cpus).map((part) => part.length);
    expect(sizes(0, 4)).toEqual([]);
    expect(sizes(SESSIONS_PER_TASK, 4)).toEqual([SESSIONS_PER_TASK]);
    expect(sizes(SESSIONS_PER_TASK + 1, 4)).toEqual([251, 250]);
    expect(sizes(5000, 2)).toEqual([2500, 2500]);
    expect(sizes(5000, 64)).toEqual(Array.from({ length: 10 }, () => 500));
    expect(sizes(1200, 1)).toEqual([1200]);
    // The parts cross to the describe workers as JSON text.
    const tasks = describeTasks(job, describeParts(rows(1200), 2).map((part) => JSON.stringify(part)));
    expect(tasks.flatMap((t) => (JSON.parse(t.sessions) as { SessionId: number }[]).map((r) => r.SessionId))).toEqual(rows(1200).map((r) => r.SessionId));
    expect(tasks.every((t) => t.op === 'describe' && t.computer === null && t.computerName === 'HERE')).toBe(true);
  });

  it('lists 1,200 sessions whole and in order, each session asked on one worker', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: Array.from({ length: 1200 }, (_, i) => rdp(i + 2, { address: `10.0.${(i + 2) >> 8}.${(i + 2) & 255}` })) }]);
    const sessions = await list(null);
    expect(sessions.map((s) => s.SessionId)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 2));
    expect(sessions[1199]).toMatchObject({ SessionId: 1201, UserName: 'user1201', ClientName: 'PC1201', ClientAddress: '10.0.4.177', Protocol: 'RDP', IsLocked: false });
    const threads = new Map<number, Set<number>>();
    for (const q of queries()) (threads.get(q.session as number) ?? threads.set(q.session as number, new Set()).get(q.session as number)!).add(q.tid as number);
    expect(threads.size).toBe(1200);
    expect([...threads.values()].every((t) => t.size === 1)).toBe(true);
  });

  it('keeps its queries in one task on one worker', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: Array.from({ length: 50 }, (_, i) => rdp(i + 2)) }]);
    expect(await list(null)).toHaveLength(50);
    const local = queries();
    expect(local).toHaveLength(150);
    expect(new Set(local.map((q) => q.tid)).size).toBe(1);
    expect(mostAtOnce(local)).toBe(1);
  });
});
