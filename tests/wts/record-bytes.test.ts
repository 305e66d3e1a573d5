/**
 * record-bytes.ts reads members of a returned record from one copy of its bytes. What it reads must
 * be what koffi.decode gives for the same buffer and the same abi.ts declaration: every member of
 * WTSINFOEX_LEVEL1_W and the members of WTSCLIENTW the backend reads, for sessions of the wtsapi32
 * double with names beyond the BMP, empty names, zero and real FILETIMEs, IPv4 and IPv6 clients,
 * and of records written by hand where the double writes none (a name filling its whole array with
 * no NUL, a lone surrogate, negative and huge LARGE_INTEGERs, every unit of ClientAddress set); and a
 * buffer shorter than the record is refused, not read past.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDS } from '../../src/backend/wts/abi.ts';
import { koffiDecl } from '../../src/backend/wts/koffi-decl.ts';
import { loadWinApi } from '../../src/backend/wts/library.ts';
import { memberReader, offsetOf, readRows, recordBytes } from '../../src/backend/wts/record-bytes.ts';
import { buildDouble, toFileTime, useDoubleFiles, writeFixture } from './support/double.ts';

const work = mkdtempSync(join(tmpdir(), 'st-record-bytes-'));
const LEVEL1 = RECORDS.WTSINFOEX_LEVEL1_W.fields.map(([name]) => name);
const CLIENT = ['ClientName', 'ClientAddressFamily', 'ClientAddress'] as const;
const WTSClientInfo = 23;
const WTSSessionInfoEx = 25;
let api: ReturnType<typeof loadWinApi>;

beforeAll(() => {
  const fixture = join(work, 'fixture');
  useDoubleFiles(fixture, join(work, 'log'));
  const when = toFileTime(new Date('2026-03-01T12:00:00.123Z'));
  writeFixture(fixture, [
    {
      name: '.',
      sessions: [
        { id: 1, state: 'Active', winStation: 'Console', user: 'admin', domain: 'LAB', protocol: 0 },
        { id: 2, state: 'Active', winStation: 'RDP-Tcp#2', user: 'j\u00fcrgen\u{1F600}', domain: 'CONTOSO', clientName: 'PC-\u00c9\u{1F600}', address: '10.1.2.3', logon: when, connect: when + 10n, lastInput: when + 12_345n, current: when + 600_000_000n, locked: 1, protocol: 2 },
        { id: 3, state: 'Disconnected', winStation: 'RDP-Tcp#3', user: 'v6', domain: 'LAB', clientName: 'V6-HOST', address: '2001:db8::5', logon: when, disconnect: when + 5n, locked: 0, protocol: 2 },
      ],
    },
  ]);
  api = loadWinApi(buildDouble('linux'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `use` on the buffer of one query, then frees it. */
function withBuffer<T>(id: number, cls: number, use: (p: bigint, bytes: number) => T): T {
  const pp: (bigint | null)[] = [null];
  const bytes = [0];
  expect(api.WTSQuerySessionInformationW(null, id, cls, pp, bytes)).toBeTruthy();
  const p = pp[0] as bigint;
  try {
    return use(p, bytes[0] as number);
  } finally {
    api.WTSFreeMemory(p);
  }
}

describe('members read from the bytes', () => {
  it.each([1, 2, 3])('WTSINFOEX_LEVEL1_W of session %i: every member as koffi.decode gives it', (id) => {
    withBuffer(id, WTSSessionInfoEx, (p, n) => {
      const fromKoffi = (koffi.decode(p, koffiDecl().records.WTSINFOEXW) as { Level: number; Data: { WTSInfoExLevel1: Record<string, unknown> } }).Data.WTSInfoExLevel1;
      const bytes = recordBytes(p, n, 'WTSINFOEXW');
      expect(memberReader('WTSINFOEXW', ['Level'] as const).read(bytes, 0)).toEqual({ Level: 1 });
      const read = memberReader('WTSINFOEX_LEVEL1_W', LEVEL1).read(bytes, offsetOf('WTSINFOEXW', 'Data'));
      expect(read).toEqual({ ...fromKoffi });
      for (const key of LEVEL1) expect(typeof (read as Record<string, unknown>)[key]).toBe(typeof fromKoffi[key]);
    });
  });

  it.each([1, 2, 3])('WTSCLIENTW of session %i: name, family and address as koffi.decode gives them', (id) => {
    withBuffer(id, WTSClientInfo, (p, n) => {
      const rec = koffiDecl().records.WTSCLIENTW;
      const ctype = new Map<string, string>(RECORDS.WTSCLIENTW.fields);
      const fromKoffi = Object.fromEntries(CLIENT.map((k) => [k, koffi.decode(p, koffi.offsetof(rec, k), koffiDecl().typeOf(ctype.get(k) as string))]));
      const read = memberReader('WTSCLIENTW', CLIENT).read(recordBytes(p, n, 'WTSCLIENTW'), 0);
      expect(read).toEqual(fromKoffi);
      expect(read.ClientAddress).toBeInstanceOf(Uint16Array);
    });
  });

  it('the values are the fixture\'s: a name beyond the BMP, a FILETIME as a BigInt, a zero one as 0', () => {
    withBuffer(2, WTSSessionInfoEx, (p, n) => {
      const s = memberReader('WTSINFOEX_LEVEL1_W', LEVEL1).read(recordBytes(p, n, 'WTSINFOEXW'), offsetOf('WTSINFOEXW', 'Data'));
      expect(s).toMatchObject({ SessionId: 2, UserName: 'j\u00fcrgen\u{1F600}', DomainName: 'CONTOSO', WinStationName: 'RDP-Tcp#2', DisconnectTime: 0 });
      expect(s.LogonTime).toBe(toFileTime(new Date('2026-03-01T12:00:00.123Z')));
    });
  });

  it('records written by hand: full arrays without a NUL, lone surrogates, text after a NUL, int64 extremes, as koffi.decode gives them', () => {
    const level1 = koffiDecl().records.WTSINFOEX_LEVEL1_W;
    const ex = Buffer.alloc(koffi.sizeof(koffiDecl().records.WTSINFOEXW) + 16, 0xab);
    const data = offsetOf('WTSINFOEXW', 'Data');
    ex.writeUInt32LE(1, 0);
    const at = (key: string): number => data + koffi.offsetof(level1, key);
    ex.write('W'.repeat(33), at('WinStationName'), 'utf16le'); // all 33 units, no NUL
    ex.writeUInt16LE(0xd83d, at('UserName')); // a lone high surrogate, then text, then a NUL, then more text
    ex.write('x\u0000tail', at('UserName') + 2, 'utf16le');
    ex.fill(0, at('DomainName'), at('DomainName') + 36); // empty
    ex.writeBigInt64LE(-1n, at('LogonTime'));
    ex.writeBigInt64LE(9_223_372_036_854_775_807n, at('ConnectTime'));
    ex.writeBigInt64LE(-9_223_372_036_854_775_808n, at('DisconnectTime'));
    ex.writeBigInt64LE(2n ** 53n, at('LastInputTime'));
    ex.writeBigInt64LE(2n ** 53n + 1n, at('CurrentTime'));
    ex.writeInt32LE(-1, at('SessionFlags'));
    ex.writeUInt32LE(0xffffffff, at('IncomingBytes'));
    const p = koffi.address(ex);
    const fromKoffi = (koffi.decode(p, koffiDecl().records.WTSINFOEXW) as { Data: { WTSInfoExLevel1: Record<string, unknown> } }).Data.WTSInfoExLevel1;
    const read = memberReader('WTSINFOEX_LEVEL1_W', LEVEL1).read(recordBytes(p, ex.length, 'WTSINFOEXW'), data);
    expect(read).toEqual({ ...fromKoffi });
    for (const key of LEVEL1) expect(typeof (read as Record<string, unknown>)[key]).toBe(typeof fromKoffi[key]);
    expect(read).toMatchObject({ WinStationName: 'W'.repeat(33), UserName: '\ud83dx', DomainName: '', LogonTime: -1, SessionFlags: -1, IncomingBytes: 0xffffffff });

    const rec = koffiDecl().records.WTSCLIENTW;
    const client = Buffer.alloc(koffi.sizeof(rec), 0x41);
    client.writeUInt16LE(0xdc00, koffi.offsetof(rec, 'ClientName') + 40); // the last unit: a lone low surrogate, no NUL
    for (let i = 0; i < 31; i++) client.writeUInt16LE(0xffff - i * 2047, koffi.offsetof(rec, 'ClientAddress') + 2 * i);
    client.writeUInt32LE(23, koffi.offsetof(rec, 'ClientAddressFamily'));
    const q = koffi.address(client);
    const ctype = new Map<string, string>(RECORDS.WTSCLIENTW.fields);
    const clientFromKoffi = Object.fromEntries(CLIENT.map((k) => [k, koffi.decode(q, koffi.offsetof(rec, k), koffiDecl().typeOf(ctype.get(k) as string))]));
    const clientRead = memberReader('WTSCLIENTW', CLIENT).read(recordBytes(q, client.length, 'WTSCLIENTW'), 0);
    expect(clientRead).toEqual(clientFromKoffi);
    expect(clientRead.ClientName).toBe(`${'\u4141'.repeat(20)}\udc00`);
    expect(Array.from(clientRead.ClientAddress)).toEqual(Array.from({ length: 31 }, (_, i) => 0xffff - i * 2047));
  });

  it('the rows of WTSEnumerateSessionsExW level 1, every member as koffi.decode gives it (strings, NULL pointers, numbers)', () => {
    const pp: (bigint | null)[] = [null];
    const count = [0];
    expect(api.WTSEnumerateSessionsExW(null, [1], 0, pp, count)).toBeTruthy();
    const p = pp[0] as bigint;
    const n = count[0] as number;
    try {
      const fromKoffi = koffi.decode(p, koffiDecl().records.WTS_SESSION_INFO_1W, n) as Record<string, unknown>[];
      const keys = RECORDS.WTS_SESSION_INFO_1W.fields.map(([name]) => name);
      const read = readRows(p, n, 'WTS_SESSION_INFO_1W', keys);
      expect(read).toEqual(fromKoffi.map((r) => ({ ...r })));
      expect(read.map((r) => [r.SessionId, r.pUserName, r.pHostName])).toEqual([[1, 'admin', null], [2, 'j\u00fcrgen\u{1F600}', null], [3, 'v6', null]]);
    } finally {
      api.WTSFreeMemoryExW(2, p, n);
    }
  });

  it('a buffer shorter than the record is refused before anything is read', () => {
    withBuffer(2, WTSSessionInfoEx, (p) => {
      expect(() => recordBytes(p, 8, 'WTSINFOEXW')).toThrow(/returned 8 bytes for WTSINFOEXW, which has \d+/);
    });
  });
});
