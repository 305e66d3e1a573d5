/**
 * This computer's sessions on the WTS backend (the worker threads' synchronous calls), through the
 * real helper process on the wtsapi32 double, where it differs from a current Windows: a system
 * without WTSEnumerateSessionsExW (Vista / Server 2008: the classic enumeration, as the remote path
 * of wts-classic.test.ts), a helper whose own session cannot be found (ProcessIdToSessionId
 * fails): no session is then current and none can be locked, and a lock LockWorkStation refuses.
 */
import { hostname } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const HERE = hostname();

const SESSIONS: FixtureSession[] = [
  { id: 0, state: 'Disconnected', winStation: 'Services' },
  { id: 1, state: 'Active', winStation: 'Console', user: 'alice', domain: 'CORP', locked: 1 },
  { id: 3, state: 'Disconnected', winStation: 'RDP-Tcp#3', user: 'bob', domain: 'LAB', clientName: 'LAPTOP-7', address: '192.168.10.20', protocol: 2, locked: 0 },
  { id: 65536, state: 'Listen', winStation: 'RDP-Tcp', protocol: 2 },
];

const brief = (items: Record<string, unknown>[]) =>
  items.map((s) => [s.ComputerName, s.SessionId, s.SessionName, s.UserName, s.Domain, s.State, s.ClientName, s.ClientAddress, s.IsLocked, s.IsCurrent]);

describe('this computer without the Ex functions (Vista / Server 2008)', () => {
  it('is listed through WTSEnumerateSessionsW, the own session current, every buffer freed once', async () => {
    const wts = startWtsHelper([{ name: '.', version: '6.0', sessions: SESSIONS }], { self: 3 });
    const result = await wts.list({});
    expect(result.Errors).toEqual([]);
    // IsLocked only WTSINFOEX has: null on this system.
    expect(brief(result.Items)).toEqual([
      [HERE, 1, 'Console', 'alice', 'CORP', 'Active', null, null, null, false],
      [HERE, 3, 'RDP-Tcp#3', 'bob', 'LAB', 'Disconnected', 'LAPTOP-7', '192.168.10.20', null, true],
    ]);
    const all = await wts.list({ IncludeSystem: true });
    expect(all.Items.map((s) => [s.SessionId, s.SessionName, s.UserName, s.State])).toEqual([
      [0, 'Services', '', 'Disconnected'],
      [1, 'Console', 'alice', 'Active'],
      [3, 'RDP-Tcp#3', 'bob', 'Disconnected'],
      [65536, 'RDP-Tcp', '', 'Listen'],
    ]);

    const events = wts.events();
    const enumerations = events.filter((e) => e.event === 'call' && e.fn.startsWith('WTSEnumerateSessions'));
    expect(enumerations.map((e) => [(e as { fn: string }).fn, (e as { ok: boolean }).ok, (e as { server: string }).server])).toEqual([
      ['WTSEnumerateSessionsExW', false, '.'],
      ['WTSEnumerateSessionsW', true, '.'],
      ['WTSEnumerateSessionsExW', false, '.'],
      ['WTSEnumerateSessionsW', true, '.'],
    ]);
    const arrays = events.filter((e) => e.event === 'free' && e.kind === 'sessions');
    expect(arrays.map((e) => (e as { fn: string }).fn)).toEqual(['WTSFreeMemory', 'WTSFreeMemory']);
    expect(leftovers(events)).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});

describe('a helper whose own session cannot be found or locked', () => {
  it('marks no session current, and -Current lists none', async () => {
    // No console session and no `self`: ProcessIdToSessionId(own pid) fails (87).
    const sessions = SESSIONS.filter((s) => s.winStation !== 'Console');
    const wts = startWtsHelper([{ name: '.', sessions, consoleSession: 'none' }]);
    const result = await wts.list({});
    expect(brief(result.Items)).toEqual([[HERE, 3, 'RDP-Tcp#3', 'bob', 'LAB', 'Disconnected', 'LAPTOP-7', '192.168.10.20', false, false]]);
    expect(await wts.list({ Current: true })).toEqual({ Items: [], Errors: [] });
    expect(wts.events().filter((e) => e.event === 'pid').map((e) => (e as { ok: boolean }).ok)).toEqual([false]);

    // Locking needs the own session: each lock fails with the call that could not find it.
    const locked = await wts.helper.request('sessions.lock', { Targets: [{ SessionId: 3 }] }, 'lock', 20_000);
    expect((locked.result as { Outcomes: unknown[] }).Outcomes).toEqual([
      {
        Target: { SessionId: 3 }, Item: null,
        Error: { ErrorId: 'BackendFailed', Target: 3, ComputerName: HERE, Message: `Locking session 3 on ${HERE} failed: ProcessIdToSessionId failed with Win32 error 87 ERROR_INVALID_PARAMETER: The parameter is incorrect.` },
      },
    ]);
    expect(wts.events().filter((e) => e.event === 'lock')).toEqual([]);
  });

  it('a lock of the own session that LockWorkStation refuses fails with its error', async () => {
    // The helper's own session (self) is one the computer does not list: LockWorkStation fails (50).
    const wts = startWtsHelper([{ name: '.', sessions: SESSIONS }], { self: 5 });
    const locked = await wts.helper.request('sessions.lock', { Targets: [{ SessionId: 5 }] }, 'lock', 20_000);
    expect((locked.result as { Outcomes: unknown[] }).Outcomes).toEqual([
      {
        Target: { SessionId: 5 }, Item: null,
        Error: { ErrorId: 'BackendFailed', Target: 5, ComputerName: HERE, Message: `Locking session 5 on ${HERE} failed: LockWorkStation failed with Win32 error 50 ERROR_NOT_SUPPORTED: The request is not supported.` },
      },
    ]);
  });
});
