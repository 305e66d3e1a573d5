/**
 * Client addresses of the WTS backend, in process on the wtsapi32 double: a session's address from
 * WTSClientInfo, or from WTSClientAddress when WTSClientInfo fails or holds no IPv4 text, for each
 * address family: IPv4 and IPv6 as text, none (AF_UNSPEC, the console) and any other family null.
 * And WTSCLIENTW's text form read unit by unit (clientInfoAddress), against the regular expression
 * it replaced, on hand-picked and random texts.
 */
import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, clientInfoAddress } from '../../src/backend/wts/client-address.ts';
import { formatIpv4 } from '../../src/backend/ip-text.ts';
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

/** The reading clientInfoAddress replaced: the text up to its NUL, a regular expression, then formatIpv4. */
function byRegExp(family: number, address: Uint16Array): string | null | undefined {
  if (family === AF_INET6) return undefined;
  if (family !== AF_INET) return null;
  const end = address.indexOf(0);
  const text = String.fromCharCode(...address.subarray(0, end === -1 ? address.length : end));
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(text);
  if (m === null) return undefined;
  const bytes = m.slice(1, 5).map(Number);
  return bytes.every((b) => b <= 255) ? formatIpv4(Uint8Array.from(bytes)) : undefined;
}

/** WTSCLIENTW.ClientAddress (USHORT[31]) holding `text`, NUL-padded (or cut at 31 units, no NUL). */
function units(text: string, fill = 0): Uint16Array {
  const out = new Uint16Array(31).fill(fill);
  for (let i = 0; i < Math.min(31, text.length); i++) out[i] = text.charCodeAt(i);
  if (text.length < 31 && fill !== 0) out[text.length] = 0;
  return out;
}

describe("WTSClientInfo's IPv4 text", () => {
  it('a dotted quad is the address; anything else asks WTSClientAddress (undefined); other families as before', () => {
    const texts = [
      '10.1.2.3', '0.0.0.0', '255.255.255.255', '192.168.200.17', '1.2.3.4',
      '01.2.3.4', '1.2.3.04', '00.1.1.1', '256.1.1.1', '1.2.3.999', '1234.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.',
      '', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1.2.3.4a', '\uff11.2.3.4', '1.2.3.\u0664', '1.2.3.4\u0000junk',
    ];
    for (const text of texts) {
      for (const address of [units(text), units(text, 0x31)]) {
        expect([text, clientInfoAddress(AF_INET, address)]).toEqual([text, byRegExp(AF_INET, address)]);
      }
    }
    expect(clientInfoAddress(AF_INET, units('10.1.2.3'))).toBe('10.1.2.3');
    expect(clientInfoAddress(AF_INET, units('1.2.3.4\u0000junk'))).toBe('1.2.3.4');
    expect(clientInfoAddress(AF_INET, units('01.2.3.4'))).toBeUndefined();
    expect(clientInfoAddress(AF_INET6, units('1.2.3.4'))).toBeUndefined();
    expect(clientInfoAddress(0, units('1.2.3.4'))).toBeNull();
    expect(clientInfoAddress(6, units('1.2.3.4'))).toBeNull();
  });

  it('random texts of digits and dots, and random units: the same answer as the regular expression', () => {
    let seed = 7;
    const next = (n: number): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const address = new Uint16Array(31);
      const length = next(32);
      for (let k = 0; k < length; k++) address[k] = i % 4 === 0 ? next(65536) : '0123456789..'.charCodeAt(next(12));
      if (clientInfoAddress(AF_INET, address) !== byRegExp(AF_INET, address)) wrong.push(String.fromCharCode(...address));
    }
    expect(wrong).toEqual([]);
  });
});
