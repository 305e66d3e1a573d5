/**
 * The WTS backend against the C test double of wtsapi32 (tests/wts/double/, built for Linux and
 * loaded through SESSIONTOOLS_WTSAPI_PATH's mechanism): fields, filtering, actions recorded in the
 * double's log, Win32 errors, no leaked buffers or handles. (The helper process with this backend:
 * tests/helper/wts-*.test.ts.)
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ComputerError, type Backend } from '../../src/backend/backend.ts';
import { selectBackend } from '../../src/backend/select.ts';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import type { SessionTarget, UserSession } from '../../src/protocol/session.ts';
import type { SessionOutcome } from '../../src/backend/backend.ts';
import { handlesClosed, readLog, toFileTime, writeFixture, type CallEvent, type FixtureServer } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('backend', { poolSize: 4 });

const ft = (iso: string): bigint => toFileTime(new Date(iso));
const NOW = '2026-03-01T12:00:00.000Z';
const never = new AbortController().signal;
/** A session as the helper writes it: this computer's are ListedSessions (their members read from JSON text). */
const plain = (s: UserSession | undefined): UserSession => JSON.parse(JSON.stringify(s)) as UserSession;

/** A server as Windows usually has it: services, the console, an RDP user, the listener. */
function localServer(): FixtureServer {
  return {
    name: '.',
    sessions: [
      { id: 0, state: 'Disconnected', winStation: 'Services' },
      {
        id: 1, state: 'Active', winStation: 'Console', user: 'ålice😀', domain: 'CORP', protocol: 0, locked: 1,
        logon: ft('2026-03-01T08:00:00Z'), connect: ft('2026-03-01T08:00:00Z'), lastInput: ft('2026-03-01T11:58:30Z'), current: ft(NOW),
      },
      {
        id: 3, state: 'Disconnected', winStation: 'RDP-Tcp#3', user: 'bob', domain: 'CORP', clientName: 'LAPTOP-𝔅', address: '2001:db8::7:1',
        protocol: 2, locked: 0, logon: ft('2026-03-01T09:00:00Z'), connect: ft('2026-03-01T09:00:00Z'), disconnect: ft('2026-03-01T11:00:00Z'),
        lastInput: 0n, current: ft(NOW),
      },
      { id: 65536, state: 'Listen', winStation: 'RDP-Tcp' },
    ],
  };
}

function remoteServer(name: string, extra: Partial<FixtureServer> = {}): FixtureServer {
  return {
    name,
    sessions: [
      {
        id: 2, state: 'Active', winStation: 'RDP-Tcp#0', user: 'carol', domain: 'LAB', clientName: 'PC7', address: '192.168.10.20', protocol: 2,
        logon: ft('2026-03-01T07:00:00Z'), lastInput: ft('2026-03-01T11:59:59Z'), current: ft(NOW),
      },
    ],
    ...extra,
  };
}

describe('WTS backend: listing', () => {
  it('maps every field: names beyond the BMP, IPv6 clients, zero FILETIMEs, Idle, lock state, protocol', async () => {
    writeFixture(wts.fixture, [localServer()]);
    const sessions = await wts.backend.list(null, { includeSystem: false, signal: never });
    const expected: UserSession[] = [
      {
        ComputerName: hostname(), SessionId: 1, SessionName: 'Console', UserName: 'ålice😀', Domain: 'CORP', State: 'Active',
        Idle: 90_000, LogonTime: '2026-03-01T08:00:00.000Z', LastInputTime: '2026-03-01T11:58:30.000Z', ConnectTime: '2026-03-01T08:00:00.000Z',
        DisconnectTime: null, ClientName: null, ClientAddress: null, IsLocked: true, Protocol: 'Console',
      },
      {
        ComputerName: hostname(), SessionId: 3, SessionName: 'RDP-Tcp#3', UserName: 'bob', Domain: 'CORP', State: 'Disconnected',
        // Disconnected: idle since the disconnect, from the server's own CurrentTime.
        Idle: 3_600_000, LogonTime: '2026-03-01T09:00:00.000Z', LastInputTime: null, ConnectTime: '2026-03-01T09:00:00.000Z',
        DisconnectTime: '2026-03-01T11:00:00.000Z', ClientName: 'LAPTOP-𝔅', ClientAddress: '2001:db8::7:1', IsLocked: false, Protocol: 'RDP',
      },
    ];
    expect(sessions.map(plain)).toEqual(expected);
  });

  it('hides session 0 and listeners unless includeSystem; they have no user and null times', async () => {
    writeFixture(wts.fixture, [localServer()]);
    const all = await wts.backend.list(null, { includeSystem: true, signal: never });
    expect(all.map((s) => [s.SessionId, s.State])).toEqual([[0, 'Disconnected'], [1, 'Active'], [3, 'Disconnected'], [65536, 'Listen']]);
    const listener = all[3] as UserSession;
    expect(listener).toMatchObject({ SessionName: 'RDP-Tcp', UserName: '', Domain: null, Idle: null, LogonTime: null, IsLocked: null });
  });

  it('takes a session for a system one by its id (0, or 65536 and up) or by its state (Listen), each alone', async () => {
    const session = (id: number, state: 'Active' | 'Down' | 'Listen') => ({ id, state, winStation: `W${id}`, user: `u${id}`, domain: 'D' });
    writeFixture(wts.fixture, [{ name: '.', sessions: [session(0, 'Active'), session(7, 'Listen'), session(65535, 'Active'), session(65536, 'Down'), session(70000, 'Active')] }]);
    expect((await wts.backend.list(null, { includeSystem: false, signal: never })).map((s) => s.SessionId)).toEqual([65535]);
    expect((await wts.backend.list(null, { includeSystem: true, signal: never })).map((s) => s.SessionId)).toEqual([0, 7, 65535, 65536, 70000]);
  });

  it('a Win32 code it has no name for is BackendFailed with the bare number; a known one without a hint gets no hint', async () => {
    writeFixture(wts.fixture, [localServer(), remoteServer('odd', { fail: 1234 }), remoteServer('bad', { fail: 6 })]);
    const odd = await wts.backend.list('odd', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    expect(odd).toMatchObject({ errorId: 'BackendFailed', code: 1234, message: 'Listing the sessions of odd failed: WTSEnumerateSessionsExW failed with Win32 error 1234' });
    const bad = await wts.backend.list('bad', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    expect(bad).toMatchObject({
      errorId: 'BackendFailed',
      code: 6,
      message: 'Listing the sessions of bad failed: WTSEnumerateSessionsExW failed with Win32 error 6 ERROR_INVALID_HANDLE: The handle is invalid.',
    });
  });

  it('opens a remote server by name and reports it as the caller named it (IPv4 client)', async () => {
    writeFixture(wts.fixture, [localServer(), remoteServer('srv1')]);
    await wts.backend.close?.();
    wts.backend = createWtsBackend({ libraryPath: wts.library, poolSize: 4, maxNativeCalls: 3 });
    const [s] = await wts.backend.list('SRV1', { includeSystem: false, signal: never });
    expect(s).toMatchObject({ ComputerName: 'SRV1', SessionId: 2, UserName: 'carol', Domain: 'LAB', ClientAddress: '192.168.10.20', Idle: 1000, Protocol: 'RDP' });
    const events = readLog(wts.log);
    // One handle per lane (remote-list.ts): the enumeration's, which then runs the first query, and
    // one for each other query of the session, as slots are free (three here).
    expect(events.filter((e) => e.event === 'open').map((e) => (e as { server: string }).server)).toEqual(['SRV1', 'SRV1', 'SRV1']);
  });

  it('leaves out a session that ended after the enumeration (7022 or 7007 on its queries)', async () => {
    const server = localServer();
    server.sessions[1] = { ...server.sessions[1]!, queryFail: 7022 };
    server.sessions[2] = { ...server.sessions[2]!, queryFail: 7007 };
    server.sessions.push({ id: 5, state: 'Active', winStation: 'RDP-Tcp#5', user: 'erin', domain: 'CORP', current: ft(NOW), lastInput: ft(NOW) });
    writeFixture(wts.fixture, [server]);
    const sessions = await wts.backend.list(null, { includeSystem: false, signal: never });
    expect(sessions.map((s) => [s.SessionId, s.UserName, s.Idle])).toEqual([[5, 'erin', 0]]);
  });

  it('a server that stops answering between two calls (1722 on a query) fails as a whole computer', async () => {
    const remote = remoteServer('srv1');
    remote.sessions[0] = { ...remote.sessions[0]!, queryFail: 1722 };
    writeFixture(wts.fixture, [localServer(), remote]);
    const lost = await wts.backend.list('srv1', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ComputerError);
    expect(lost).toMatchObject({ errorId: 'ComputerUnreachable', code: 1722 });
    expect((lost as Error).message).toMatch(/^Listing the sessions of srv1 failed: WTSQuerySessionInformationW\(WTSSessionInfoEx\) failed with Win32 error 1722 RPC_S_SERVER_UNAVAILABLE/);
  });

  it('a query class the server does not have (50) leaves only that field unknown', async () => {
    const remote = remoteServer('srv1');
    remote.sessions[0] = { ...remote.sessions[0]!, queryFail: 50, queryFailClass: 16 };
    writeFixture(wts.fixture, [localServer(), remote]);
    const [s] = await wts.backend.list('srv1', { includeSystem: false, signal: never });
    expect(s).toEqual({
      ComputerName: 'srv1', SessionId: 2, SessionName: 'RDP-Tcp#0', UserName: 'carol', Domain: 'LAB', State: 'Active', Idle: 1000,
      LogonTime: '2026-03-01T07:00:00.000Z', LastInputTime: '2026-03-01T11:59:59.000Z', ConnectTime: null, DisconnectTime: null,
      ClientName: 'PC7', ClientAddress: '192.168.10.20', IsLocked: null, Protocol: null,
    });
  });

  it('reads odd FILETIMEs: 0 and negative are never, a clock behind the input is idle 0, a reconnected session is idle since its input', async () => {
    const times = (id: number, state: 'Active' | 'Disconnected', t: { logon?: bigint; connect?: bigint; disconnect?: bigint; lastInput?: bigint; current?: bigint }) => ({
      id, state, winStation: `RDP-Tcp#${id}`, user: `u${id}`, domain: 'D', ...t,
    });
    writeFixture(wts.fixture, [{
      name: '.',
      sessions: [
        // Never logged on (0), a negative connect time, and input "after" the server's clock.
        times(10, 'Active', { logon: 0n, connect: -5n, lastInput: ft('2026-03-01T12:00:05Z'), current: ft(NOW) }),
        // Disconnected, but without a disconnect time: idle since the last input.
        times(11, 'Disconnected', { disconnect: 0n, lastInput: ft('2026-03-01T11:59:00Z'), current: ft(NOW) }),
        // No input recorded: the idle time is not known.
        times(12, 'Active', { logon: ft('2026-03-01T08:00:00Z'), lastInput: 0n, current: ft(NOW) }),
        // Reconnected: active again, with the past disconnect still recorded; idle since its input.
        times(13, 'Active', { disconnect: ft('2026-03-01T10:00:00Z'), lastInput: ft('2026-03-01T11:59:30Z'), current: ft(NOW) }),
        // A server clock that is not a time at all: the idle time is not known.
        times(14, 'Active', { lastInput: ft('2026-03-01T11:59:30Z'), current: -1n }),
      ],
    }]);
    const sessions = await wts.backend.list(null, { includeSystem: false, signal: never });
    expect(sessions.map((s) => [s.SessionId, s.LogonTime, s.ConnectTime, s.DisconnectTime, s.Idle])).toEqual([
      [10, null, null, null, 0],
      [11, null, null, null, 60_000],
      [12, '2026-03-01T08:00:00.000Z', null, null, null],
      [13, null, null, '2026-03-01T10:00:00.000Z', 30_000],
      [14, null, null, null, null],
    ]);
  });

  it('keeps a session whose details are denied (5 on every query), with those fields null', async () => {
    const server = localServer();
    (server.sessions[1] as { deny?: string[] }).deny = ['query'];
    writeFixture(wts.fixture, [server]);
    const sessions = await wts.backend.list(null, { includeSystem: false, signal: never });
    expect(plain(sessions.find((s) => s.SessionId === 1))).toEqual({
      ComputerName: hostname(), SessionId: 1, SessionName: 'Console', UserName: 'ålice😀', Domain: 'CORP', State: 'Active', Idle: null,
      LogonTime: null, LastInputTime: null, ConnectTime: null, DisconnectTime: null, ClientName: null, ClientAddress: null, IsLocked: null, Protocol: null,
    });
  });

  it('a dead host (1722) is one ComputerError ComputerUnreachable; a denying one (5) AccessDenied', async () => {
    writeFixture(wts.fixture, [localServer(), remoteServer('dead', { fail: 1722 }), remoteServer('locked', { fail: 5 })]);
    const dead = await wts.backend.list('dead', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    expect(dead).toBeInstanceOf(ComputerError);
    expect(dead).toMatchObject({ errorId: 'ComputerUnreachable', code: 1722 });
    expect((dead as Error).message).toMatch(/1722 RPC_S_SERVER_UNAVAILABLE.*445/);
    const denied = await wts.backend.list('locked', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ errorId: 'AccessDenied', code: 5 });
    expect((denied as Error).message).toMatch(/elevated/);
  });

  it('an aborted list (the fan-out timeout) gives up at once; the pool replaces the stuck worker', async () => {
    await wts.backend.close?.();
    wts.backend = createWtsBackend({ libraryPath: wts.library, poolSize: 1, maxAbandoned: 1 });
    writeFixture(wts.fixture, [localServer(), remoteServer('slow', { latencyMs: 1000 })]);
    const abort = new AbortController();
    const slow = wts.backend.list('slow', { includeSystem: false, signal: abort.signal }).catch((e: unknown) => e);
    // Give up once the worker is inside the slow call (a job still waiting for a worker is only dropped).
    while (!readLog(wts.log).some((e) => e.event === 'open')) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    expect(await slow).toMatchObject({ errorId: 'ComputerTimeout' });
    // With a pool of one, the local list runs on a replacement while the first worker still sleeps.
    const local = await wts.backend.list(null, { includeSystem: false, signal: never });
    expect(local.map((s) => s.SessionId)).toEqual([1, 3]);
    // The abandoned worker finishes its job in the background: it frees its buffers and closes its handle.
    expect(await handlesClosed(wts.log, 10_000)).toBe(true);
    expect(readLog(wts.log).filter((e) => e.event === 'close')).toHaveLength(1);
    // The local enumeration ended while the slow one was still running, on another thread.
    const enumeration = (server: string) => readLog(wts.log).find((e) => e.event === 'call' && e.fn === 'WTSEnumerateSessionsExW' && e.server === server) as CallEvent;
    expect(enumeration('.').t1).toBeLessThan(enumeration('slow').t1);
    expect(enumeration('.').tid).not.toBe(enumeration('slow').tid);
  });
});

/** The backend's handlers of sessions.logoff and sessions.disconnect, as the helper calls them. */
const logoff = async (b: Backend, Targets: SessionTarget[], Wait: boolean): Promise<SessionOutcome[]> => (await b.actions['sessions.logoff']({ Targets, Wait })).Outcomes;
const disconnect = async (b: Backend, Targets: SessionTarget[], Wait: boolean): Promise<SessionOutcome[]> => (await b.actions['sessions.disconnect']({ Targets, Wait })).Outcomes;

describe('WTS backend: logoff and disconnect', () => {
  it('logs off with bWait, one server handle per computer, the outcome session null once gone', async () => {
    writeFixture(wts.fixture, [localServer(), remoteServer('srv1')]);
    const outcomes = await logoff(wts.backend, [{ SessionId: 3 }, { ComputerName: 'srv1', SessionId: 2 }, { ComputerName: '.', SessionId: 1 }], true);
    expect(outcomes.map((o) => [o.Target.SessionId, o.Item, o.Error])).toEqual([[3, null, null], [2, null, null], [1, null, null]]);
    const actions = readLog(wts.log).filter((e) => e.event === 'logoff');
    expect(actions.map((e) => [(e as { server: string }).server, (e as { session: number }).session, (e as { wait: number }).wait])).toEqual(
      expect.arrayContaining([['.', 3, 1], ['.', 1, 1], ['srv1', 2, 1]]),
    );
    expect(readLog(wts.log).filter((e) => e.event === 'open').length).toBe(1);
    expect((await wts.backend.list(null, { includeSystem: false, signal: never })).length).toBe(0);
  });

  it('disconnects without waiting (bWait 0); the outcome session is the session afterwards', async () => {
    writeFixture(wts.fixture, [localServer()]);
    const [outcome] = await disconnect(wts.backend, [{ SessionId: 1 }], false);
    expect(outcome?.Error).toBeNull();
    expect(outcome?.Item).toMatchObject({ SessionId: 1, UserName: 'ålice😀', State: 'Disconnected' });
    const [event] = readLog(wts.log).filter((e) => e.event === 'disconnect');
    expect(event).toMatchObject({ session: 1, wait: 0, ok: true });
  });

  it('a done action whose look afterwards fails (the server went away) has no session and no error', async () => {
    const server = localServer();
    server.sessions[1] = { ...server.sessions[1]!, queryFail: 1722 };
    writeFixture(wts.fixture, [server]);
    const outcomes = await disconnect(wts.backend, [{ SessionId: 1 }, { SessionId: 3 }], true);
    expect(outcomes.map((o) => [o.Target.SessionId, o.Error, o.Item?.State ?? null])).toEqual([
      [1, null, null],
      [3, null, 'Disconnected'],
    ]);
    expect(readLog(wts.log).filter((e) => e.event === 'disconnect').map((e) => [(e as { session: number }).session, (e as { ok: boolean }).ok])).toEqual([
      [1, true],
      [3, true],
    ]);
  });

  it('gives each target its own error: 7022 SessionNotFound, 5 AccessDenied, 1722 ComputerUnreachable', async () => {
    const server = localServer();
    (server.sessions[2] as { deny?: string[] }).deny = ['logoff'];
    writeFixture(wts.fixture, [server, remoteServer('dead', { fail: 1722 })]);
    const outcomes = await logoff(wts.backend, [{ SessionId: 42 }, { SessionId: 3 }, { ComputerName: 'dead', SessionId: 2 }, { SessionId: 1 }], false);
    expect(outcomes.map((o) => o.Error?.ErrorId ?? null)).toEqual(['SessionNotFound', 'AccessDenied', 'ComputerUnreachable', null]);
    expect(outcomes[0]?.Error).toMatchObject({ Target: 42, ComputerName: hostname() });
    expect(outcomes[0]?.Error?.Message).toMatch(/No session with id 42 .*7022 ERROR_CTX_WINSTATION_NOT_FOUND/);
    expect(outcomes[2]?.Error).toMatchObject({ Target: 2, ComputerName: 'dead' });
    expect(outcomes.map((o) => o.Target.SessionId)).toEqual([42, 3, 2, 1]);
  });
});

describe('backend selection', () => {
  it('picks WTS when SESSIONTOOLS_WTSAPI_PATH is set (any platform) or on win32, utmp on Linux', async () => {
    const picked = [
      selectBackend({ SESSIONTOOLS_WTSAPI_PATH: wts.library }, 'linux'),
      selectBackend({}, 'win32'),
      selectBackend({}, 'linux'),
    ];
    expect(picked.map((b) => b.name)).toEqual(['wts', 'wts', 'linux-utmp']);
    await Promise.all(picked.map((b) => b.close?.()));
  });
});
