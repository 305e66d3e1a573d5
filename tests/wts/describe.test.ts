/**
 * describe.ts on a computer that answers at once (this one: one describe task, one worker): a
 * session whose three round-1 queries answered whole is built at once, the others go through
 * round 2. Read from the wtsapi32 double's log, the calls are exactly those of the two rounds one
 * after another (round 1 for every session in order, then round 2 for those that need it), the
 * sessions come back in enumeration order with every field, ended ones left out, and a computer
 * lost fails the listing with the first lost failure in session order.
 */
import { describe, expect, it } from 'vitest';
import { ComputerError } from '../../src/backend/backend.ts';
import { readLog, toFileTime, writeFixture, type CallEvent, type FixtureSession } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('describe', { poolSize: 2 });
const never = new AbortController().signal;
const NOW = toFileTime(new Date('2026-03-01T12:00:00Z'));
const CLASS = { WTSClientName: 10, WTSClientAddress: 14, WTSClientProtocolType: 16, WTSClientInfo: 23, WTSSessionInfo: 24, WTSSessionInfoEx: 25 };
const ROUND_1 = [CLASS.WTSSessionInfoEx, CLASS.WTSClientInfo, CLASS.WTSClientProtocolType];

function rdp(id: number, extra: Partial<FixtureSession> = {}): FixtureSession {
  return {
    id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB', clientName: `PC${id}`, address: `10.0.0.${id}`,
    protocol: 2, locked: 0, logon: NOW - 36_000_000_000n, connect: NOW - 36_000_000_000n, lastInput: NOW - 600_000_000n, current: NOW, ...extra,
  };
}

/** [session, class] of every WTSQuerySessionInformationW call, in the order they started. */
const calls = (): [number, number][] =>
  readLog(wts.log)
    .filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSQuerySessionInformationW')
    .sort((a, b) => a.t0 - b.t0)
    .map((e) => [e.session as number, e.infoClass as number]);

const list = () => wts.backend.list(null, { includeSystem: false, signal: never });

describe('sessions described at once', () => {
  it('round 1 for every session in order, then round 2 only where round 1 fell short; the sessions in order, ended ones left out', async () => {
    writeFixture(wts.fixture, [
      {
        name: '.',
        sessions: [
          rdp(2),
          rdp(3, { address: '2001:db8::3', clientName: 'V6' }),
          rdp(4, { queryFail: 7022, queryFailClass: CLASS.WTSClientInfo }),
          rdp(5, { queryFail: 50, queryFailClass: CLASS.WTSClientInfo }),
          rdp(6, { state: 'Disconnected', disconnect: NOW - 1_200_000_000n, locked: 1, address: null, clientName: null, protocol: 0 }),
          rdp(7, { queryFail: 50, queryFailClass: CLASS.WTSClientProtocolType }),
        ],
      },
    ]);
    const sessions = await list();
    expect(sessions.map((s) => [s.SessionId, s.ClientName, s.ClientAddress, s.Protocol, s.IsLocked, s.Idle, s.State])).toEqual([
      [2, 'PC2', '10.0.0.2', 'RDP', false, 60_000, 'Active'],
      [3, 'V6', '2001:db8::3', 'RDP', false, 60_000, 'Active'],
      [5, 'PC5', '10.0.0.5', 'RDP', false, 60_000, 'Active'],
      [6, null, null, 'Console', true, 120_000, 'Disconnected'],
      [7, 'PC7', '10.0.0.7', null, false, 60_000, 'Active'],
    ]);
    // This computer's sessions are ListedSessions (members read from JSON text): compared as the helper writes them.
    expect(JSON.parse(JSON.stringify(sessions[0]))).toEqual({
      ComputerName: sessions[0]!.ComputerName, SessionId: 2, SessionName: 'RDP-Tcp#2', UserName: 'user2', Domain: 'LAB', State: 'Active', Idle: 60_000,
      LogonTime: '2026-03-01T11:00:00.000Z', LastInputTime: '2026-03-01T11:59:00.000Z', ConnectTime: '2026-03-01T11:00:00.000Z', DisconnectTime: null,
      ClientName: 'PC2', ClientAddress: '10.0.0.2', IsLocked: false, Protocol: 'RDP',
    });
    expect(sessions[3]?.DisconnectTime).toBe('2026-03-01T11:58:00.000Z');
    expect(calls()).toEqual([
      ...[2, 3, 4, 5, 6, 7].flatMap((id) => ROUND_1.map((cls) => [id, cls])),
      [3, CLASS.WTSClientAddress],
      [5, CLASS.WTSClientName],
      [5, CLASS.WTSClientAddress],
    ]);
  });

  it('a computer lost (1722) fails the listing with the first such failure in session order, after round 1, before round 2', async () => {
    writeFixture(wts.fixture, [
      {
        name: '.',
        sessions: [
          rdp(2, { address: '2001:db8::2' }),
          rdp(3, { queryFail: 1722, queryFailClass: CLASS.WTSClientProtocolType }),
          rdp(4),
          rdp(5, { queryFail: 1722, queryFailClass: CLASS.WTSSessionInfoEx }),
        ],
      },
    ]);
    const lost = await list().catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ComputerError);
    expect(lost).toMatchObject({ errorId: 'ComputerUnreachable', code: 1722 });
    expect((lost as Error).message).toMatch(/WTSQuerySessionInformationW\(WTSClientProtocolType\) failed with Win32 error 1722/);
    expect(calls()).toEqual([2, 3, 4, 5].flatMap((id) => ROUND_1.map((cls) => [id, cls])));
  });

  it('a thousand sessions: every one whole, in order, with its own values', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: Array.from({ length: 1000 }, (_, i) => rdp(i + 2, { clientName: `WS-${i}`, address: `10.${i >> 8}.${i & 255}.1`, lastInput: NOW - BigInt(i) * 10_000_000n })) }]);
    const sessions = await list();
    expect(sessions).toHaveLength(1000);
    sessions.forEach((s, i) => expect([s.SessionId, s.ClientName, s.ClientAddress, s.Idle]).toEqual([i + 2, `WS-${i}`, `10.${i >> 8}.${i & 255}.1`, i * 1000]));
    expect(calls()).toHaveLength(3000);
  });
});
