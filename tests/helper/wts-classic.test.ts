/**
 * The classic enumeration path of the WTS backend (WTSEnumerateSessionsW and WTSSessionInfo),
 * which it takes on a server without WTSEnumerateSessionsExW and WTSSessionInfoEx (Vista / Server
 * 2008; the double's version=6.0 server), end to end through the real helper process: every field
 * of every session, and every buffer the double handed out freed with the function it needs.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { toFileTime, type FixtureServer, type FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const ft = (iso: string): bigint => toFileTime(new Date(iso));
const NOW = '2026-03-01T12:00:00.000Z';

/** Every kind of session, with every field set where the session has it. */
const SESSIONS: FixtureSession[] = [
  { id: 0, state: 'Disconnected', winStation: 'Services', current: ft(NOW) },
  {
    id: 1, state: 'Active', winStation: 'Console', user: 'alice', domain: 'CORP', protocol: 0, locked: 1,
    logon: ft('2026-03-01T08:00:00Z'), connect: ft('2026-03-01T08:00:01Z'), lastInput: ft('2026-03-01T11:58:30Z'), current: ft(NOW),
  },
  {
    id: 3, state: 'Disconnected', winStation: 'RDP-Tcp#3', user: 'bøb', domain: 'LAB', clientName: 'LAPTOP-7', address: '2001:db8::7:1',
    protocol: 2, locked: 0, logon: ft('2026-03-01T09:00:00Z'), connect: ft('2026-03-01T09:00:05Z'), disconnect: ft('2026-03-01T11:00:00Z'),
    lastInput: ft('2026-03-01T10:59:00Z'), current: ft(NOW),
  },
  {
    id: 4, state: 'Active', winStation: 'RDP-Tcp#4', user: 'carol', domain: 'LAB', clientName: 'PC7', address: '192.168.10.20', protocol: 1,
    logon: ft('2026-03-01T07:00:00Z'), connect: ft('2026-03-01T07:00:02Z'), lastInput: ft('2026-03-01T11:59:59Z'), current: ft(NOW),
  },
  { id: 65536, state: 'Listen', winStation: 'RDP-Tcp', protocol: 2, current: ft(NOW) },
];

/**
 * The sessions as the classic path must give them: everything but IsLocked, which only WTSINFOEX
 * has; none is the helper's own (IsCurrent), on a remote computer.
 */
function expected(computer: string): Record<string, unknown>[] {
  const common = { ComputerName: computer, IsLocked: null, IsCurrent: false };
  return [
    {
      ...common, SessionId: 1, SessionName: 'Console', UserName: 'alice', Domain: 'CORP', State: 'Active', Idle: 90_000,
      LogonTime: '2026-03-01T08:00:00.000Z', LastInputTime: '2026-03-01T11:58:30.000Z', ConnectTime: '2026-03-01T08:00:01.000Z',
      DisconnectTime: null, ClientName: null, ClientAddress: null, Protocol: 'Console',
    },
    {
      ...common, SessionId: 3, SessionName: 'RDP-Tcp#3', UserName: 'bøb', Domain: 'LAB', State: 'Disconnected', Idle: 3_600_000,
      LogonTime: '2026-03-01T09:00:00.000Z', LastInputTime: '2026-03-01T10:59:00.000Z', ConnectTime: '2026-03-01T09:00:05.000Z',
      DisconnectTime: '2026-03-01T11:00:00.000Z', ClientName: 'LAPTOP-7', ClientAddress: '2001:db8::7:1', Protocol: 'RDP',
    },
    {
      ...common, SessionId: 4, SessionName: 'RDP-Tcp#4', UserName: 'carol', Domain: 'LAB', State: 'Active', Idle: 1_000,
      LogonTime: '2026-03-01T07:00:00.000Z', LastInputTime: '2026-03-01T11:59:59.000Z', ConnectTime: '2026-03-01T07:00:02.000Z',
      DisconnectTime: null, ClientName: 'PC7', ClientAddress: '192.168.10.20', Protocol: 'ICA',
    },
  ];
}

const servers: FixtureServer[] = [
  { name: '.', sessions: [] },
  { name: 'old2008', version: '6.0', sessions: SESSIONS },
  { name: 'new2022', sessions: SESSIONS },
];

describe('a server without the Ex functions (Vista / Server 2008)', () => {
  it('is listed through WTSEnumerateSessionsW and WTSSessionInfo: every field, and every buffer freed', async () => {
    const wts = startWtsHelper(servers);
    const result = await wts.list({ ComputerName: ['OLD2008'] });
    expect(result).toEqual({ Items: expected('OLD2008'), Errors: [] });

    const events = wts.events();
    const enumerations = events.filter((e) => e.event === 'call' && e.fn.startsWith('WTSEnumerateSessions'));
    expect(enumerations.map((e) => [(e as { fn: string }).fn, (e as { ok: boolean }).ok, (e as { error: number }).error])).toEqual([
      ['WTSEnumerateSessionsExW', false, 1745],
      ['WTSEnumerateSessionsW', true, 0],
    ]);
    // The classic array is one WTSFreeMemory; no level-1 array was ever handed out.
    const allocs = events.filter((e) => e.event === 'alloc');
    expect(allocs.filter((e) => e.kind === 'sessions')).toHaveLength(1);
    expect(allocs.filter((e) => e.kind === 'sessions1')).toHaveLength(0);
    const arrayFree = events.filter((e) => e.event === 'free' && e.kind === 'sessions');
    expect(arrayFree.map((e) => (e as { fn: string }).fn)).toEqual(['WTSFreeMemory']);
    expect(leftovers(events)).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });

  it('gives the same sessions as a current server, but for IsLocked; system sessions with IncludeSystem', async () => {
    const wts = startWtsHelper(servers);
    const both = await wts.list({ ComputerName: ['old2008', 'new2022'] });
    const old = both.Items.filter((s) => s.ComputerName === 'old2008');
    const current = both.Items.filter((s) => s.ComputerName === 'new2022');
    expect(old).toEqual(current.map((s) => ({ ...s, ComputerName: 'old2008', IsLocked: null })));
    expect(current.map((s) => s.IsLocked)).toEqual([true, false, null]);

    const all = await wts.list({ ComputerName: ['old2008'], IncludeSystem: true });
    expect(all.Items.map((s) => [s.SessionId, s.SessionName, s.State, s.UserName, s.Domain])).toEqual([
      [0, 'Services', 'Disconnected', '', null],
      [1, 'Console', 'Active', 'alice', 'CORP'],
      [3, 'RDP-Tcp#3', 'Disconnected', 'bøb', 'LAB'],
      [4, 'RDP-Tcp#4', 'Active', 'carol', 'LAB'],
      [65536, 'RDP-Tcp', 'Listen', '', null],
    ]);
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
