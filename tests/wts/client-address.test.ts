/**
 * Client addresses of the WTS backend, in process on the wtsapi32 double: a session's address from
 * WTSClientInfo, or from WTSClientAddress when WTSClientInfo fails or holds no IPv4 text, for each
 * address family: IPv4 and IPv6 as text, none (AF_UNSPEC, the console) and any other family null.
 */
import { describe, expect, it } from 'vitest';
import { readLog, toFileTime, writeFixture, type CallEvent, type FixtureSession } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('client-address', { poolSize: 2 });

const NOW = toFileTime(new Date('2026-03-01T12:00:00Z'));
const CLASS = { WTSClientAddress: 14, WTSClientInfo: 23 };

function session(id: number, address: string | null, extra: Partial<FixtureSession> = {}): FixtureSession {
  return { id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB', clientName: `PC${id}`, address, protocol: 2, locked: 0, current: NOW, ...extra };
}

const addresses = async (): Promise<Record<number, string | null>> =>
  Object.fromEntries((await wts.backend.list(null, { includeSystem: false, signal: new AbortController().signal })).map((s) => [s.SessionId, s.ClientAddress]));
/** The sessions WTSClientAddress was asked of. */
const askedForAddress = (): number[] =>
  readLog(wts.log)
    .filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSQuerySessionInformationW' && e.infoClass === CLASS.WTSClientAddress)
    .map((e) => e.session as number)
    .sort((a, b) => a - b);

describe('a client address', () => {
  it('from WTSClientInfo: IPv4 text as it is; no address (AF_UNSPEC) is null, without asking WTSClientAddress; IPv6 asks it', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [session(2, '10.1.2.3'), session(3, null), session(4, '2001:db8::4')] }]);
    expect(await addresses()).toEqual({ 2: '10.1.2.3', 3: null, 4: '2001:db8::4' });
    expect(askedForAddress()).toEqual([4]);
  });

  it('from WTSClientAddress when WTSClientInfo fails: IPv4 and IPv6 as text, AF_UNSPEC and another family null', async () => {
    const failing = { queryFail: 50, queryFailClass: CLASS.WTSClientInfo };
    writeFixture(wts.fixture, [
      {
        name: '.',
        sessions: [
          session(5, '192.168.7.5', failing),
          session(6, '2001:db8::6', failing),
          session(7, null, failing),
          // AF_IPX (6): not an IP family.
          session(8, `raw:6:${'0a'.repeat(20)}`, failing),
        ],
      },
    ]);
    expect(await addresses()).toEqual({ 5: '192.168.7.5', 6: '2001:db8::6', 7: null, 8: null });
    expect(askedForAddress()).toEqual([5, 6, 7, 8]);
  });
});
