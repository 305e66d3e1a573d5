/**
 * Tests of the wtsapi32 C test double ITSELF (tests/wts/double/), driven through koffi directly
 * with prototypes declared here from Microsoft's documentation (not from the bindings in src/),
 * plus a C stress driver under ThreadSanitizer and the mingw-w64 Windows DLL build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildDouble,
  DOUBLE_DIR,
  type DoubleEvent,
  fixtureText,
  type FixtureServer,
  fromFileTime,
  leakedBuffers,
  readLog,
  toFileTime,
  writeFixture,
  WtsState,
} from './support/double.ts';

const work = mkdtempSync(join(tmpdir(), 'wtsdouble-test-'));
const FIXTURE = join(work, 'fixture.txt');
const LOG = join(work, 'log.txt');
process.env.WTSDOUBLE_FIXTURE = FIXTURE;
process.env.WTSDOUBLE_LOG = LOG;

// ---- documented constants ----
const ERROR_ACCESS_DENIED = 5;
const ERROR_INVALID_HANDLE = 6;
const ERROR_NOT_SUPPORTED = 50;
const ERROR_INVALID_PARAMETER = 87;
const RPC_S_SERVER_UNAVAILABLE = 1722;
const RPC_S_PROCNUM_OUT_OF_RANGE = 1745;
const ERROR_CTX_WINSTATION_NOT_FOUND = 7022;
const WTS_CURRENT_SESSION = 0xffffffff;
const WTSTypeSessionInfoLevel1 = 2;
const IDOK = 1;
const IDYES = 6;
const IDTIMEOUT = 32000;
const IDASYNC = 32001;
const C = {
  WTSSessionId: 4, WTSUserName: 5, WTSWinStationName: 6, WTSDomainName: 7, WTSConnectState: 8,
  WTSClientName: 10, WTSClientAddress: 14, WTSClientProtocolType: 16, WTSIdleTime: 17,
  WTSSessionInfo: 24, WTSSessionInfoEx: 25, WTSClientInfo: 23,
} as const;

/** wts-api.md section 3 (Windows x64, mingw-w64 verified), keyed by the probe's entry names. */
const DOCUMENTED_LAYOUT: Record<string, number> = {
  'sizeof(WTSINFOW)': 216, 'WTSINFOW.ConnectTime': 176, 'sizeof(WTSINFOEX_LEVEL1_W)': 224,
  'WTSINFOEX_LEVEL1_W.LogonTime': 160, 'sizeof(WTSINFOEXW)': 232, 'WTSINFOEXW.Data': 8,
  'sizeof(WTS_SESSION_INFO_1W)': 56, 'sizeof(WTS_SESSION_INFOW)': 24, 'WTSINFOW.UserName': 130,
  'WTSINFOEX_LEVEL1_W.DomainName': 120,
  'WTS_SESSION_INFOW.SessionId': 0, 'WTS_SESSION_INFOW.pWinStationName': 8, 'WTS_SESSION_INFOW.State': 16,
  'WTS_SESSION_INFO_1W.ExecEnvId': 0, 'WTS_SESSION_INFO_1W.State': 4, 'WTS_SESSION_INFO_1W.SessionId': 8,
  'WTS_SESSION_INFO_1W.pSessionName': 16, 'WTS_SESSION_INFO_1W.pHostName': 24,
  'WTS_SESSION_INFO_1W.pUserName': 32, 'WTS_SESSION_INFO_1W.pDomainName': 40, 'WTS_SESSION_INFO_1W.pFarmName': 48,
  'WTSINFOW.State': 0, 'WTSINFOW.SessionId': 4, 'WTSINFOW.IncomingBytes': 8, 'WTSINFOW.OutgoingBytes': 12,
  'WTSINFOW.IncomingFrames': 16, 'WTSINFOW.OutgoingFrames': 20, 'WTSINFOW.IncomingCompressedBytes': 24,
  'WTSINFOW.OutgoingCompressedBytes': 28, 'WTSINFOW.WinStationName': 32, 'WTSINFOW.Domain': 96,
  'WTSINFOW.DisconnectTime': 184, 'WTSINFOW.LastInputTime': 192, 'WTSINFOW.LogonTime': 200,
  'WTSINFOW.CurrentTime': 208,
  'WTSINFOEX_LEVEL1_W.SessionId': 0, 'WTSINFOEX_LEVEL1_W.SessionState': 4, 'WTSINFOEX_LEVEL1_W.SessionFlags': 8,
  'WTSINFOEX_LEVEL1_W.WinStationName': 12, 'WTSINFOEX_LEVEL1_W.UserName': 78,
  'WTSINFOEX_LEVEL1_W.ConnectTime': 168, 'WTSINFOEX_LEVEL1_W.DisconnectTime': 176,
  'WTSINFOEX_LEVEL1_W.LastInputTime': 184, 'WTSINFOEX_LEVEL1_W.CurrentTime': 192,
  'WTSINFOEX_LEVEL1_W.IncomingBytes': 200, 'WTSINFOEX_LEVEL1_W.OutgoingBytes': 204,
  'WTSINFOEX_LEVEL1_W.IncomingFrames': 208, 'WTSINFOEX_LEVEL1_W.OutgoingFrames': 212,
  'WTSINFOEX_LEVEL1_W.IncomingCompressedBytes': 216, 'WTSINFOEX_LEVEL1_W.OutgoingCompressedBytes': 220,
  'sizeof(WTS_CLIENT_ADDRESS)': 24, 'WTS_CLIENT_ADDRESS.Address': 4, 'sizeof(WTS_CLIENT_DISPLAY)': 12,
  // wts-api.md 3.7
  'sizeof(WTSCLIENTW)': 2304, 'WTSCLIENTW.Domain': 42, 'WTSCLIENTW.UserName': 78, 'WTSCLIENTW.EncryptionLevel': 1164,
  'WTSCLIENTW.ClientAddressFamily': 1168, 'WTSCLIENTW.ClientAddress': 1172, 'WTSCLIENTW.HRes': 1234,
  'WTSCLIENTW.ClientDirectory': 1240, 'WTSCLIENTW.ClientBuildNumber': 1764, 'WTSCLIENTW.ClientProductId': 1772,
  'WTSCLIENTW.DeviceId': 1780,
};

const EXPORTS = [
  'WTSOpenServerW', 'WTSOpenServerExW', 'WTSCloseServer', 'WTSEnumerateSessionsW', 'WTSEnumerateSessionsExW',
  'WTSQuerySessionInformationW', 'WTSFreeMemory', 'WTSFreeMemoryExW', 'WTSDisconnectSession', 'WTSLogoffSession',
  'WTSSendMessageW', 'WTSGetActiveConsoleSessionId', 'ProcessIdToSessionId', 'LockWorkStation', 'WTSEnumerateProcessesExW', 'LookupAccountSidW', 'GetLastError', 'SetLastError',
];

type Ptr = bigint | null;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = ((...args: any[]) => any) & { async: (...args: any[]) => void };
// koffi functions declared from the documented x64 prototypes (BOOL = int, DWORD = uint32_t).
let api: Record<string, Fn>;

const T_LO = 133_500_000_000_000_000n; // around 2024: a BigInt when decoded by koffi
const when = (iso: string): bigint => toFileTime(new Date(iso));

/** A realistic local machine: Services, Console, an RDP user, a disconnected user, the listener. */
function localMachine(extra: Partial<FixtureServer> = {}): FixtureServer {
  return {
    name: '.',
    sessions: [
      { id: 0, state: 'Disconnected', winStation: 'Services' },
      {
        id: 1, state: 'Active', winStation: 'Console', user: 'alice', domain: 'CORP', locked: 0, protocol: 0,
        logon: when('2024-05-01T08:00:00Z'), connect: when('2024-05-01T08:00:00Z'),
        lastInput: when('2024-05-01T09:00:00Z'), current: when('2024-05-01T09:30:00Z'),
      },
      {
        id: 2, state: WtsState.Active, winStation: 'RDP-Tcp#7', user: 'b\u00f6b \u{1F600}', domain: 'DOM AIN',
        clientName: 'LAPTOP-\u{1F4BB}', address: '192.168.0.1', protocol: 2, locked: 1,
        logon: T_LO, connect: T_LO + 1n, lastInput: T_LO + 3n, current: T_LO + 4n,
      },
      {
        id: 3, state: 'Disconnected', winStation: '', user: 'carol', domain: 'CORP', address: 'fe80::1:2', protocol: 2,
        logon: T_LO, connect: T_LO, disconnect: T_LO + 10n, current: T_LO + 20n,
      },
      { id: 65536, state: 'Listen', winStation: 'RDP-Tcp', protocol: 2 },
    ],
    ...extra,
  };
}

// ---- helpers over the raw API ----
class WinError extends Error {
  constructor(readonly fn: string, readonly code: number) {
    super(`${fn} failed with ${code}`);
  }
}
function lastError(fn: string): WinError {
  return new WinError(fn, api.GetLastError!() as number); // first koffi call after the failure
}
function raw(p: bigint, n: number): Buffer {
  if (n === 0) return Buffer.alloc(0);
  return Buffer.from(koffi.decode(p, koffi.array('uint8_t', n, 'Typed')) as Uint8Array);
}
function str16(p: bigint | null): string | null {
  return p === null || p === 0n ? null : (koffi.decode(p, 'char16_t', -1) as string);
}
function fixedStr(b: Buffer, off: number, units: number): string {
  let end = off;
  while (end < off + units * 2 && b.readUInt16LE(end) !== 0) end += 2;
  return b.toString('utf16le', off, end);
}
function ptrAt(b: Buffer, off: number): bigint | null {
  const v = b.readBigUInt64LE(off);
  return v === 0n ? null : v;
}

function enumerate(h: Ptr = null) {
  const pp: Ptr[] = [null];
  const pc = [0];
  if (!api.WTSEnumerateSessionsW!(h, 0, 1, pp, pc)) throw lastError('WTSEnumerateSessionsW');
  const p = pp[0]!;
  try {
    const b = raw(p, 24 * pc[0]!);
    return Array.from({ length: pc[0]! }, (_, i) => ({
      id: b.readUInt32LE(i * 24),
      name: str16(ptrAt(b, i * 24 + 8)),
      state: b.readInt32LE(i * 24 + 16),
    }));
  } finally {
    api.WTSFreeMemory!(p);
  }
}
function enumerateEx(h: Ptr = null) {
  const pp: Ptr[] = [null];
  const pc = [0];
  const level = [1];
  if (!api.WTSEnumerateSessionsExW!(h, level, 0, pp, pc)) throw lastError('WTSEnumerateSessionsExW');
  const p = pp[0]!;
  const n = pc[0]!;
  try {
    const b = raw(p, 56 * n);
    return Array.from({ length: n }, (_, i) => ({
      execEnvId: b.readUInt32LE(i * 56),
      state: b.readInt32LE(i * 56 + 4),
      id: b.readUInt32LE(i * 56 + 8),
      name: str16(ptrAt(b, i * 56 + 16)),
      host: ptrAt(b, i * 56 + 24),
      user: str16(ptrAt(b, i * 56 + 32)),
      domain: str16(ptrAt(b, i * 56 + 40)),
      farm: ptrAt(b, i * 56 + 48),
      level: level[0],
    }));
  } finally {
    expect(api.WTSFreeMemoryExW!(WTSTypeSessionInfoLevel1, p, n)).toBe(1);
  }
}
function query(h: Ptr, id: number, cls: number): { buf: Buffer; bytes: number; str: string | null } {
  const pp: Ptr[] = [null];
  const pb = [0];
  if (!api.WTSQuerySessionInformationW!(h, id, cls, pp, pb)) throw lastError('WTSQuerySessionInformationW');
  const p = pp[0]!;
  try {
    const buf = raw(p, pb[0]!);
    const str = pb[0]! >= 2 && pb[0]! % 2 === 0 ? (koffi.decode(p, 'char16_t', -1) as string) : null;
    return { buf, bytes: pb[0]!, str };
  } finally {
    api.WTSFreeMemory!(p);
  }
}
function expectError(f: () => unknown, code: number): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WinError);
    expect((e as WinError).code).toBe(code);
    return;
  }
  throw new Error(`expected failure with ${code}`);
}
function open(name: string | null, ex = false): bigint {
  const h = (ex ? api.WTSOpenServerExW! : api.WTSOpenServerW!)(name) as Ptr;
  expect(h).not.toBeNull();
  return h!;
}
function events<E extends DoubleEvent['event']>(name: E): Extract<DoubleEvent, { event: E }>[] {
  return readLog(LOG).filter((e): e is Extract<DoubleEvent, { event: E }> => e.event === name);
}
function asyncCall(fn: Fn, ...args: unknown[]): Promise<{ res: number; code: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, res: number) => {
      // the worker's last error (errno) is only visible synchronously inside this callback
      const code = api.GetLastError!() as number;
      if (err) reject(err);
      else resolve({ res, code, ms: performance.now() - t0 });
    });
  });
}

beforeAll(() => {
  const lib = koffi.load(buildDouble('linux'));
  const decl: Record<string, string> = {
    WTSOpenServerW: 'void *WTSOpenServerW(const char16_t *name)',
    WTSOpenServerExW: 'void *WTSOpenServerExW(const char16_t *name)',
    WTSCloseServer: 'void WTSCloseServer(void *h)',
    WTSEnumerateSessionsW:
      'int WTSEnumerateSessionsW(void *h, uint32_t reserved, uint32_t version, _Out_ void **pp, _Out_ uint32_t *count)',
    WTSEnumerateSessionsExW:
      'int WTSEnumerateSessionsExW(void *h, _Inout_ uint32_t *level, uint32_t filter, _Out_ void **pp, _Out_ uint32_t *count)',
    WTSQuerySessionInformationW:
      'int WTSQuerySessionInformationW(void *h, uint32_t id, int cls, _Out_ void **pp, _Out_ uint32_t *bytes)',
    WTSFreeMemory: 'void WTSFreeMemory(void *p)',
    WTSFreeMemoryExW: 'int WTSFreeMemoryExW(int type, void *p, uint32_t count)',
    WTSDisconnectSession: 'int WTSDisconnectSession(void *h, uint32_t id, int wait)',
    WTSLogoffSession: 'int WTSLogoffSession(void *h, uint32_t id, int wait)',
    WTSSendMessageW:
      'int WTSSendMessageW(void *h, uint32_t id, const char16_t *title, uint32_t titleLen, const char16_t *msg, ' +
      'uint32_t msgLen, uint32_t style, uint32_t timeout, _Out_ uint32_t *resp, int wait)',
    WTSGetActiveConsoleSessionId: 'uint32_t WTSGetActiveConsoleSessionId()',
    ProcessIdToSessionId: 'int ProcessIdToSessionId(uint32_t pid, _Out_ uint32_t *sid)',
    WTSEnumerateProcessesExW: 'int WTSEnumerateProcessesExW(void *h, _Inout_ uint32_t *level, uint32_t id, _Out_ void **pp, _Out_ uint32_t *count)',
    LookupAccountSidW:
      'int LookupAccountSidW(const char16_t *system, void *sid, _Out_ uint16_t *name, _Inout_ uint32_t *cchName, ' +
      '_Out_ uint16_t *domain, _Inout_ uint32_t *cchDomain, _Out_ int32_t *use)',
    LockWorkStation: 'int LockWorkStation()',
    GetLastError: 'uint32_t GetLastError()',
    SetLastError: 'void SetLastError(uint32_t code)',
    WtsDoubleLayout: 'uint32_t WtsDoubleLayout(_Out_ uint32_t *out, uint32_t max)',
    WtsDoubleLayoutNames: 'const char *WtsDoubleLayoutNames()',
    WtsDoubleLiveAllocs: 'uint32_t WtsDoubleLiveAllocs()',
    WtsDoubleReset: 'void WtsDoubleReset()',
  };
  api = Object.fromEntries(Object.entries(decl).map(([k, v]) => [k, lib.func(v)]));
});

beforeEach(() => {
  writeFileSync(LOG, '');
  writeFixture(FIXTURE, [localMachine()]);
  api.WtsDoubleReset!();
});
afterEach(() => {
  // Every test must leave no returned buffer behind and make no invalid free.
  const log = readLog(LOG);
  expect(log.filter((e) => e.event === 'fixture_error')).toEqual([]);
  if (!log.some((e) => e.event === 'badfree')) expect(leakedBuffers(log)).toEqual([]);
});

describe('struct layout', () => {
  it('matches wts-api.md section 3, starting with the documented vector', () => {
    const n = api.WtsDoubleLayout!(null, 0) as number;
    const out = new Uint32Array(n);
    expect(api.WtsDoubleLayout!(out, n)).toBe(n);
    expect(Array.from(out.slice(0, 10))).toEqual([216, 176, 224, 160, 232, 8, 56, 24, 130, 120]);
    const names = (api.WtsDoubleLayoutNames!() as string).split(',').filter(Boolean);
    expect(names).toHaveLength(n);
    const got = Object.fromEntries(names.map((name, i) => [name, out[i]]));
    expect(got).toEqual(DOCUMENTED_LAYOUT);
  });

  it("agrees with mingw-w64's own wtsapi32.h for the structs that header has", () => {
    // Independent of the double: the documented numbers against the Windows SDK header.
    const src = join(work, 'mingw-layout.c');
    writeFileSync(
      src,
      `#include <windows.h>
#include <wtsapi32.h>
#include <stddef.h>
#define EQ(a, b) _Static_assert((a) == (b), #a);
EQ(sizeof(WTS_SESSION_INFOW), 24) EQ(offsetof(WTS_SESSION_INFOW, pWinStationName), 8)
EQ(offsetof(WTS_SESSION_INFOW, State), 16) EQ(sizeof(WTSINFOW), 216) EQ(offsetof(WTSINFOW, WinStationName), 32)
EQ(offsetof(WTSINFOW, Domain), 96) EQ(offsetof(WTSINFOW, UserName), 130) EQ(offsetof(WTSINFOW, ConnectTime), 176)
EQ(offsetof(WTSINFOW, LogonTime), 200) EQ(offsetof(WTSINFOW, CurrentTime), 208)
EQ(sizeof(WTS_CLIENT_ADDRESS), 24) EQ(offsetof(WTS_CLIENT_ADDRESS, Address), 4) EQ(sizeof(WTS_CLIENT_DISPLAY), 12)
EQ(WTSSessionInfo, 24) EQ(WTSClientProtocolType, 16) EQ(WTSIdleTime, 17) EQ(WTSListen, 6)
EQ(WTSClientInfo, 23) EQ(sizeof(WTSCLIENTW), 2304) EQ(offsetof(WTSCLIENTW, Domain), 42) EQ(offsetof(WTSCLIENTW, UserName), 78)
EQ(offsetof(WTSCLIENTW, EncryptionLevel), 1164) EQ(offsetof(WTSCLIENTW, ClientAddressFamily), 1168)
EQ(offsetof(WTSCLIENTW, ClientAddress), 1172) EQ(offsetof(WTSCLIENTW, HRes), 1234) EQ(offsetof(WTSCLIENTW, ClientDirectory), 1240)
EQ(offsetof(WTSCLIENTW, ClientBuildNumber), 1764) EQ(offsetof(WTSCLIENTW, ClientProductId), 1772) EQ(offsetof(WTSCLIENTW, DeviceId), 1780)
`,
    );
    execFileSync('x86_64-w64-mingw32-gcc', ['-std=c11', '-fsyntax-only', src]);
  });
});

describe('fixture', () => {
  it('enumerates Services, Console, users and the RDP-Tcp listener in fixture order', () => {
    expect(enumerate()).toEqual([
      { id: 0, name: 'Services', state: 4 },
      { id: 1, name: 'Console', state: 0 },
      { id: 2, name: 'RDP-Tcp#7', state: 0 },
      { id: 3, name: '', state: 4 },
      { id: 65536, name: 'RDP-Tcp', state: 6 },
    ]);
  });

  it('round-trips non-BMP names and spaces to UTF-16 surrogate pairs', () => {
    const u = query(null, 2, C.WTSUserName);
    expect(u.str).toBe('b\u00f6b \u{1F600}');
    expect(u.bytes).toBe((u.str!.length + 1) * 2); // bytes include the terminating NUL
    const units = Array.from({ length: u.bytes / 2 }, (_, i) => u.buf.readUInt16LE(i * 2));
    expect(units).toEqual([0x62, 0xf6, 0x62, 0x20, 0xd83d, 0xde00, 0]);
    expect(query(null, 2, C.WTSDomainName).str).toBe('DOM AIN');
    expect(query(null, 2, C.WTSClientName).str).toBe('LAPTOP-\u{1F4BB}');
    expect(query(null, 2, C.WTSWinStationName).str).toBe('RDP-Tcp#7');
  });

  it('returns NULL user/domain in WTS_SESSION_INFO_1W when nobody is logged on', () => {
    const s = enumerateEx();
    expect(s.map((x) => [x.id, x.state, x.name, x.user, x.domain])).toEqual([
      [0, 4, 'Services', null, null],
      [1, 0, 'Console', 'alice', 'CORP'],
      [2, 0, 'RDP-Tcp#7', 'b\u00f6b \u{1F600}', 'DOM AIN'],
      [3, 4, '', 'carol', 'CORP'],
      [65536, 6, 'RDP-Tcp', null, null],
    ]);
    expect(s.every((x) => x.host === null && x.farm === null && x.level === 1)).toBe(true);
    expect(s.map((x) => x.execEnvId)).toEqual([1000, 1001, 1002, 1003, 1004]);
    // an empty user queries as "" (not a failure)
    expect(query(null, 0, C.WTSUserName)).toMatchObject({ str: '', bytes: 2 });
  });

  it('fills scalars with their documented sizes', () => {
    expect(query(null, 2, C.WTSClientProtocolType)).toMatchObject({ bytes: 2 });
    expect(query(null, 2, C.WTSClientProtocolType).buf.readUInt16LE(0)).toBe(2);
    expect(query(null, 1, C.WTSClientProtocolType).buf.readUInt16LE(0)).toBe(0);
    expect(query(null, 3, C.WTSConnectState).buf.readInt32LE(0)).toBe(4);
    expect(query(null, 65536, C.WTSSessionId).buf.readUInt32LE(0)).toBe(65536);
  });

  it('puts IPv4 at Address[2..5] and IPv6 at Address[2..17]', () => {
    const v4 = query(null, 2, C.WTSClientAddress);
    expect(v4.bytes).toBe(24);
    expect(v4.buf.readUInt32LE(0)).toBe(2);
    expect(v4.buf.subarray(4, 12).toString('hex')).toBe('0000c0a800010000');
    const v6 = query(null, 3, C.WTSClientAddress);
    expect(v6.buf.readUInt32LE(0)).toBe(23);
    expect(v6.buf.subarray(4).toString('hex')).toBe('0000' + 'fe800000000000000000000000010002' + '0000');
    const none = query(null, 1, C.WTSClientAddress);
    expect(none.buf.equals(Buffer.alloc(24))).toBe(true);
  });

  it('WTSClientInfo (23): a WTSCLIENTW with the client name, the client user, and IPv4 as text (IPv6 as bytes)', () => {
    const v4 = query(null, 2, C.WTSClientInfo);
    expect(v4.bytes).toBe(2304);
    expect(fixedStr(v4.buf, 0, 21)).toBe('LAPTOP-\u{1F4BB}');
    expect(fixedStr(v4.buf, 42, 18)).toBe('DOM AIN');
    expect(fixedStr(v4.buf, 78, 21)).toBe('b\u00f6b \u{1F600}');
    expect(v4.buf.readUInt32LE(1168)).toBe(2);
    // Microsoft: AF_INET "will return in string format, for example 127.0.0.1".
    expect(fixedStr(v4.buf, 1172, 31)).toBe('192.168.0.1');
    expect([v4.buf.readUInt16LE(1234), v4.buf.readUInt16LE(1236), v4.buf.readUInt16LE(1238)]).toEqual([1920, 1080, 32]);
    expect(v4.buf.readUInt32LE(1764)).toBe(19041);
    const v6 = query(null, 3, C.WTSClientInfo);
    expect(v6.buf.readUInt32LE(1168)).toBe(23);
    expect(v6.buf.subarray(1172, 1172 + 18).toString('hex')).toBe('fe800000000000000000000000010002' + '0000');
    const onConsole = query(null, 1, C.WTSClientInfo);
    expect(fixedStr(onConsole.buf, 0, 21)).toBe('');
    expect(fixedStr(onConsole.buf, 78, 21)).toBe('alice');
    expect(onConsole.buf.readUInt32LE(1168)).toBe(0);
    expect(onConsole.buf.subarray(1172, 1234).equals(Buffer.alloc(62))).toBe(true);
  });

  it('accepts raw addresses, IPv4-mapped IPv6 and state names', () => {
    writeFixture(FIXTURE, [
      {
        name: '.',
        sessions: [
          { id: 5, state: 'Active', winStation: 'a', address: 'raw:23:20010db8000000000000000000000001' },
          { id: 6, state: 9, winStation: 'b', address: '::ffff:10.1.2.3' },
        ],
      },
    ]);
    expect(query(null, 5, C.WTSClientAddress).buf.subarray(0, 20).toString('hex')).toBe(
      '17000000' + '20010db8000000000000000000000001',
    );
    expect(query(null, 6, C.WTSClientAddress).buf.subarray(4, 22).toString('hex')).toBe(
      '0000' + '00000000000000000000ffff0a010203',
    );
    expect(enumerate().map((s) => s.state)).toEqual([0, 9]);
  });

  it('fills WTSINFOW at the documented offsets (times: Connect, Disconnect, LastInput, Logon, Current)', () => {
    const { buf, bytes } = query(null, 2, C.WTSSessionInfo);
    expect(bytes).toBe(216);
    expect([buf.readInt32LE(0), buf.readUInt32LE(4)]).toEqual([0, 2]);
    expect([8, 12, 16, 20, 24, 28].map((o) => buf.readUInt32LE(o))).toEqual([
      100002, 200002, 300002, 400002, 500002, 600002,
    ]);
    expect(fixedStr(buf, 32, 32)).toBe('RDP-Tcp#7');
    expect(fixedStr(buf, 96, 17)).toBe('DOM AIN');
    expect(fixedStr(buf, 130, 21)).toBe('b\u00f6b \u{1F600}');
    expect([176, 184, 192, 200, 208].map((o) => buf.readBigInt64LE(o))).toEqual([
      T_LO + 1n, 0n, T_LO + 3n, T_LO, T_LO + 4n,
    ]);
  });

  it('fills WTSINFOEXW level 1 at the documented offsets (times: Logon first) and lock flags', () => {
    const { buf, bytes } = query(null, 2, C.WTSSessionInfoEx);
    expect(bytes).toBe(232);
    expect(buf.readUInt32LE(0)).toBe(1); // Level
    const d = 8;
    expect([buf.readUInt32LE(d), buf.readInt32LE(d + 4), buf.readInt32LE(d + 8)]).toEqual([2, 0, 0]); // locked
    expect(fixedStr(buf, d + 12, 33)).toBe('RDP-Tcp#7');
    expect(fixedStr(buf, d + 78, 21)).toBe('b\u00f6b \u{1F600}');
    expect(fixedStr(buf, d + 120, 18)).toBe('DOM AIN');
    expect([160, 168, 176, 184, 192].map((o) => buf.readBigInt64LE(d + o))).toEqual([
      T_LO, T_LO + 1n, 0n, T_LO + 3n, T_LO + 4n,
    ]);
    expect(buf.readUInt32LE(d + 200)).toBe(100002);
    expect(buf.readUInt32LE(d + 220)).toBe(600002);
    expect(query(null, 1, C.WTSSessionInfoEx).buf.readInt32LE(d + 8)).toBe(1); // unlocked
    expect(query(null, 0, C.WTSSessionInfoEx).buf.readInt32LE(d + 8)).toBe(-1); // unknown
  });

  it('reverses SessionFlags for a version=6.1 server (documented Win7/2008R2 defect)', () => {
    writeFixture(FIXTURE, [localMachine({ version: '6.1' })]);
    expect(query(null, 2, C.WTSSessionInfoEx).buf.readInt32LE(16)).toBe(1); // locked reads as 1
    expect(query(null, 1, C.WTSSessionInfoEx).buf.readInt32LE(16)).toBe(0); // unlocked reads as 0
    expect(query(null, 0, C.WTSSessionInfoEx).buf.readInt32LE(16)).toBe(-1);
  });

  it('a version=6.0 server (Vista/2008) has no Ex enumeration and no WTSSessionInfoEx: 1745, after its latency', () => {
    writeFixture(FIXTURE, [localMachine(), { ...localMachine({ latencyMs: 50, version: '6.0' }), name: 'old' }]);
    const old = open('old', true);
    const t0 = performance.now();
    expectError(() => enumerateEx(old), RPC_S_PROCNUM_OUT_OF_RANGE);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(enumerate(old).map((s) => s.id)).toEqual([0, 1, 2, 3, 65536]);
    expectError(() => query(old, 2, C.WTSSessionInfoEx), RPC_S_PROCNUM_OUT_OF_RANGE);
    expectError(() => query(old, 42, C.WTSSessionInfoEx), ERROR_CTX_WINSTATION_NOT_FOUND);
    expect(query(old, 2, C.WTSSessionInfo).buf.readUInt32LE(4)).toBe(2);
    expect(query(old, 2, C.WTSUserName).str).toBe(query(null, 2, C.WTSUserName).str);
    api.WTSCloseServer!(old);
    // The local 10.0 server still has both.
    expect(enumerateEx(null)).toHaveLength(5);
    expect(query(null, 2, C.WTSSessionInfoEx).buf.readUInt32LE(0)).toBe(1);
    expect(events('call').filter((e) => !e.ok).map((e) => [e.fn, e.server, e.infoClass, e.error])).toEqual([
      ['WTSEnumerateSessionsExW', 'old', null, RPC_S_PROCNUM_OUT_OF_RANGE],
      ['WTSQuerySessionInformationW', 'old', C.WTSSessionInfoEx, RPC_S_PROCNUM_OUT_OF_RANGE],
      ['WTSQuerySessionInformationW', 'old', C.WTSSessionInfoEx, ERROR_CTX_WINSTATION_NOT_FOUND],
    ]);
  });

  it('query_fail: a listed session whose queries fail (all of them, or one class)', () => {
    const server = localMachine();
    server.sessions[1] = { ...server.sessions[1]!, queryFail: ERROR_CTX_WINSTATION_NOT_FOUND };
    server.sessions[2] = { ...server.sessions[2]!, queryFail: ERROR_NOT_SUPPORTED, queryFailClass: C.WTSClientAddress };
    writeFixture(FIXTURE, [server]);
    expect(enumerateEx().map((s) => s.id)).toEqual([0, 1, 2, 3, 65536]);
    for (const cls of [C.WTSSessionInfo, C.WTSSessionInfoEx, C.WTSUserName]) expectError(() => query(null, 1, cls), ERROR_CTX_WINSTATION_NOT_FOUND);
    expectError(() => query(null, 2, C.WTSClientAddress), ERROR_NOT_SUPPORTED);
    expect(query(null, 2, C.WTSUserName).str).toBe('b\u00f6b \u{1F600}');
    expect(fixtureText([{ name: '.', sessions: [{ id: 7, state: 'Active', winStation: 'x', queryFail: 1722, queryFailClass: 24 }] }])).toContain(
      ' query_fail=1722 query_fail_class=24',
    );
  });

  it('uses the real clock for CurrentTime 0; koffi decodes 0 as a Number and real FILETIMEs as BigInt', () => {
    const before = toFileTime(new Date()) - 10_000_000n;
    const pp: Ptr[] = [null];
    const pb = [0];
    expect(api.WTSQuerySessionInformationW!(null, 3, C.WTSSessionInfo, pp, pb)).toBe(1);
    const logon = koffi.decode(pp[0], 200, 'int64_t') as number | bigint;
    const current = koffi.decode(pp[0], 208, 'int64_t') as number | bigint;
    const lastInput = koffi.decode(pp[0], 192, 'int64_t') as number | bigint;
    api.WTSFreeMemory!(pp[0]);
    expect(typeof logon).toBe('bigint');
    expect(lastInput).toBe(0);
    expect(BigInt(current)).toBe(T_LO + 20n);
    const now = query(null, 0, C.WTSSessionInfo).buf.readBigInt64LE(208);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(fromFileTime(now).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('re-reads a changed fixture at the next call, and keeps state while it is unchanged', () => {
    expect(enumerate()).toHaveLength(5);
    writeFixture(FIXTURE, [{ name: '.', sessions: [{ id: 9, state: 'Active', winStation: 'Console' }] }]);
    expect(enumerate()).toEqual([{ id: 9, name: 'Console', state: 0 }]);
    expect(events('load').length).toBeGreaterThanOrEqual(2);
  });

  it('logs bad fixture lines and skips them', () => {
    writeFileSync(FIXTURE, 'server .\nsession 1 0 Console\nbogus line\nsession 2 0 ok - - - - 0 0 0 0 0 0 0\n');
    expect(enumerate().map((s) => s.id)).toEqual([2]);
    const errs = events('fixture_error');
    expect(errs.map((e) => [e.line, e.reason])).toEqual([
      [2, 'session needs 14 fields'],
      [3, 'unknown line'],
    ]);
    writeFileSync(LOG, ''); // keep afterEach's "no fixture errors" check for the rest
  });

  it('writes the documented text format', () => {
    expect(
      fixtureText(
        [{
          name: 'srv 1', latencyMs: 5, fail: 0, version: '10.0', consoleSession: 'none',
          sessions: [{ id: 7, state: 'Active', winStation: '-', user: 'a b', address: '::1', locked: 1, protocol: 2, reply: 'none', deny: ['logoff'] }],
        }],
        { self: 7, processes: { 1234: 7 } },
      ).split('\n').slice(1),
    ).toEqual([
      'server srv%201 latency_ms=5 fail=0 version=10.0',
      'session 7 0 %2D a%20b - - %3A%3A1 0 0 0 0 0 1 2 reply=none deny=logoff',
      'console none',
      'self 7',
      'process 1234 7',
      '',
    ]);
  });
});

describe('allocation and free accounting', () => {
  it('counts one heap block per returned buffer and a matching free', () => {
    enumerate();
    enumerateEx();
    query(null, 1, C.WTSUserName);
    query(null, 1, C.WTSSessionInfo);
    const log = readLog(LOG);
    const allocs = log.filter((e) => e.event === 'alloc');
    const frees = log.filter((e) => e.event === 'free');
    expect(allocs.map((a) => a.kind)).toEqual(['sessions', 'sessions1', 'query', 'query']);
    expect(frees).toHaveLength(allocs.length);
    expect(frees.map((f) => [f.fn, f.type, f.count])).toEqual([
      ['WTSFreeMemory', null, null],
      ['WTSFreeMemoryExW', 2, 5],
      ['WTSFreeMemory', null, null],
      ['WTSFreeMemory', null, null],
    ]);
    expect(api.WtsDoubleLiveAllocs!()).toBe(0);
  });

  it('still returns (and expects a free of) a buffer for an empty session list', () => {
    writeFixture(FIXTURE, [{ name: '.', sessions: [] }]);
    expect(enumerate()).toEqual([]);
    expect(enumerateEx()).toEqual([]);
    expect(events('alloc')).toHaveLength(2);
    expect(events('free')).toHaveLength(2);
  });

  it('refuses wrong frees: WTSFreeMemory on _1W, wrong type or count, double free', () => {
    const pp: Ptr[] = [null];
    const pc = [0];
    expect(api.WTSEnumerateSessionsExW!(null, [1], 0, pp, pc)).toBe(1);
    const p = pp[0]!;
    api.WTSFreeMemory!(p); // documented as wrong for WTS_SESSION_INFO_1
    expect(api.WtsDoubleLiveAllocs!()).toBe(1);
    expect(api.WTSFreeMemoryExW!(0, p, pc[0])).toBe(0);
    expect(api.GetLastError!()).toBe(ERROR_INVALID_PARAMETER);
    expect(api.WTSFreeMemoryExW!(WTSTypeSessionInfoLevel1, p, pc[0]! + 1)).toBe(0);
    expect(api.GetLastError!()).toBe(ERROR_INVALID_PARAMETER);
    expect(api.WTSFreeMemoryExW!(WTSTypeSessionInfoLevel1, p, pc[0])).toBe(1);
    expect(api.WTSFreeMemoryExW!(WTSTypeSessionInfoLevel1, p, pc[0])).toBe(0); // double free
    expect(api.WtsDoubleLiveAllocs!()).toBe(0);
    expect(events('badfree').map((e) => e.reason)).toEqual([
      'WTS_SESSION_INFO_1 needs WTSFreeMemoryExW',
      'wrong WTS_TYPE_CLASS',
      'wrong NumberOfEntries',
      'unknown pointer (double free?)',
    ]);
    expect(leakedBuffers(readLog(LOG))).toEqual([]);
  });

  it('lets WTSFreeMemoryExW free ordinary buffers (documented)', () => {
    const pp: Ptr[] = [null];
    expect(api.WTSQuerySessionInformationW!(null, 1, C.WTSUserName, pp, [0])).toBe(1);
    expect(api.WTSFreeMemoryExW!(WTSTypeSessionInfoLevel1, pp[0], 1)).toBe(1);
    expect(api.WtsDoubleLiveAllocs!()).toBe(0);
  });
});

describe('processes, accounts and the lock', () => {
  const PROCESSES = [
    { session: 1, pid: 400, name: 'explorer.exe', user: 'alice', domain: 'CORP', threads: 3, handles: 4, pagefile: 5, peakPagefile: 6, workingSet: 7, peakWorkingSet: 8, userTime: 9n, kernelTime: 10n },
    { session: 2, pid: 500, name: 'WINWORD.EXE', user: 'b\u00f6b \u{1F600}', domain: 'DOM AIN', workingSet: 4000000000 },
    { session: 2, pid: 504, name: 'notepad.exe', user: 'b\u00f6b \u{1F600}', domain: 'DOM AIN' },
    { session: 2, pid: 508, name: 'csrss.exe' },
  ];
  const u16 = (a: Uint16Array, n: number): string => Buffer.from(a.buffer, 0, n * 2).toString('utf16le');

  it('WTSEnumerateProcessesExW level 1: one session or any, every field in order, SIDs named back by LookupAccountSidW', () => {
    writeFixture(FIXTURE, [localMachine({ processes: PROCESSES })]);
    const pp: Ptr[] = [null];
    const count = [0];
    const level = [1];
    expect(api.WTSEnumerateProcessesExW!(null, level, 2, pp, count)).toBe(1);
    expect(count[0]).toBe(3);
    const p = pp[0]!;
    const row = (i: number, off: number, type: string): unknown => koffi.decode(p, i * 64 + off, type);
    expect([0, 1, 2].map((i) => [row(i, 0, 'uint32_t'), row(i, 4, 'uint32_t'), str16(row(i, 8, 'void *') as Ptr), row(i, 40, 'uint32_t')])).toEqual([
      [2, 500, 'WINWORD.EXE', 4000000000],
      [2, 504, 'notepad.exe', 0],
      [2, 508, 'csrss.exe', 0],
    ]);
    // One account, one SID; no user, no SID.
    const sid0 = koffi.decode(row(0, 16, 'void *') as Ptr, 'uint8_t', 24) as Uint8Array;
    const sid1 = koffi.decode(row(1, 16, 'void *') as Ptr, 'uint8_t', 24) as Uint8Array;
    expect(Buffer.from(sid0).equals(Buffer.from(sid1))).toBe(true);
    expect(row(2, 16, 'void *')).toBeNull();
    const name = new Uint16Array(64);
    const domain = new Uint16Array(64);
    const [cn, cd, use] = [[64], [64], [0]];
    expect(api.LookupAccountSidW!('rds01', row(0, 16, 'void *'), name, cn, domain, cd, use)).toBe(1);
    expect([u16(name, cn[0]!), u16(domain, cd[0]!), use[0]]).toEqual(['b\u00f6b \u{1F600}', 'DOM AIN', 1]);
    // Too small: the sizes needed, NUL included.
    const [small, smallDomain] = [[2], [64]];
    expect(api.LookupAccountSidW!(null, row(0, 16, 'void *'), name, small, domain, smallDomain, use)).toBe(0);
    expect([api.GetLastError!(), small[0]]).toEqual([122, 7]);
    expect(api.WTSFreeMemoryExW!(1, p, 3)).toBe(1);
    expect(events('lookup').map((e) => [e.system, e.name, e.ok])).toEqual([['rds01', 'b\u00f6b \u{1F600}', true], [null, null, false]]);

    expect(api.WTSEnumerateProcessesExW!(null, level, 0xfffffffe, pp, count)).toBe(1);
    expect(count[0]).toBe(4);
    const numbers = (off: number, type: string): number[] => Array.from(koffi.decode(pp[0]!, off, type) as ArrayLike<number | bigint>, Number);
    expect(numbers(64 + 24, 'uint32_t[6]')).toEqual([0, 0, 0, 0, 4000000000, 0]);
    expect([numbers(24, 'uint32_t[6]'), numbers(48, 'int64_t[2]')]).toEqual([[3, 4, 5, 6, 7, 8], [9, 10]]);
    expect(api.WTSFreeMemoryExW!(1, pp[0], 4)).toBe(1);
    expect(events('call').filter((e) => e.fn === 'WTSEnumerateProcessesExW').map((e) => [e.session, e.count])).toEqual([[2, 3], [0xfffffffe, 4]]);
  });

  it('an invalid level is set to 1 and fails with 87; its buffer is refused by WTSFreeMemory and the wrong type class', () => {
    writeFixture(FIXTURE, [localMachine({ processes: PROCESSES })]);
    const level = [7];
    expect(api.WTSEnumerateProcessesExW!(null, level, 1, [null], [0])).toBe(0);
    expect([api.GetLastError!(), level[0]]).toEqual([ERROR_INVALID_PARAMETER, 1]);
    const pp: Ptr[] = [null];
    const count = [0];
    expect(api.WTSEnumerateProcessesExW!(null, [1], 1, pp, count)).toBe(1);
    api.WTSFreeMemory!(pp[0]);
    expect(api.WTSFreeMemoryExW!(WTSTypeSessionInfoLevel1, pp[0], count[0])).toBe(0);
    expect(api.WTSFreeMemoryExW!(1, pp[0], count[0])).toBe(1);
    expect(events('badfree').map((e) => e.reason)).toEqual(['WTS_PROCESS_INFO_EX needs WTSFreeMemoryExW', 'wrong WTS_TYPE_CLASS']);
    expect(api.WtsDoubleLiveAllocs!()).toBe(0);
  });

  it("LockWorkStation locks the caller's session (self), which then reads as locked", () => {
    writeFixture(FIXTURE, [localMachine()], { self: 3 });
    expect(api.LockWorkStation!()).toBe(1);
    expect(events('lock').map((e) => [e.session, e.ok])).toEqual([[3, true]]);
    const pp: Ptr[] = [null];
    const bytes = [0];
    expect(api.WTSQuerySessionInformationW!(null, 3, C.WTSSessionInfoEx, pp, bytes)).toBe(1);
    expect(koffi.decode(pp[0]!, 16, 'int32_t')).toBe(0); // Data.WTSInfoExLevel1.SessionFlags: WTS_SESSIONSTATE_LOCK
    api.WTSFreeMemory!(pp[0]);
  });
});

describe('error codes', () => {
  it('7022 for an unknown session id', () => {
    expectError(() => query(null, 42, C.WTSUserName), ERROR_CTX_WINSTATION_NOT_FOUND);
    expect(api.WTSDisconnectSession!(null, 42, 0)).toBe(0);
    expect(api.GetLastError!()).toBe(ERROR_CTX_WINSTATION_NOT_FOUND);
  });

  it('50 for the info classes that do not work (17-22)', () => {
    for (let cls = 17; cls <= 22; cls++) expectError(() => query(null, 1, cls), ERROR_NOT_SUPPORTED);
  });

  it('87 for bad Reserved / Version / Level / Filter and WTS_CURRENT_SESSION on a remote server', () => {
    const pp: Ptr[] = [null];
    const pc = [0];
    const check = (ok: number) => {
      expect(ok).toBe(0);
      expect(api.GetLastError!()).toBe(ERROR_INVALID_PARAMETER);
    };
    check(api.WTSEnumerateSessionsW!(null, 1, 1, pp, pc) as number);
    check(api.WTSEnumerateSessionsW!(null, 0, 2, pp, pc) as number);
    check(api.WTSEnumerateSessionsExW!(null, [2], 0, pp, pc) as number);
    check(api.WTSEnumerateSessionsExW!(null, [1], 1, pp, pc) as number);
    writeFixture(FIXTURE, [localMachine(), { name: 'remote', sessions: [] }]);
    const h = open('remote');
    expectError(() => query(h, WTS_CURRENT_SESSION, C.WTSUserName), ERROR_INVALID_PARAMETER);
    api.WTSCloseServer!(h);
  });

  it('1722 for unknown hosts and fail=1722, 5 for fail=5 and deny=, 6 for a closed handle', () => {
    writeFixture(FIXTURE, [
      localMachine(),
      { name: 'dead', fail: RPC_S_SERVER_UNAVAILABLE, sessions: [] },
      { name: 'locked-down', fail: ERROR_ACCESS_DENIED, sessions: [] },
      { name: 'ok', sessions: [{ id: 4, state: 'Active', winStation: 'RDP-Tcp#1', user: 'u', deny: ['logoff', 'message'] }] },
    ]);
    const nowhere = open('nowhere');
    expectError(() => enumerate(nowhere), RPC_S_SERVER_UNAVAILABLE);
    const dead = open('DEAD'); // NetBIOS names are case-insensitive
    expectError(() => enumerate(dead), RPC_S_SERVER_UNAVAILABLE);
    expectError(() => enumerateEx(dead), RPC_S_SERVER_UNAVAILABLE);
    const denied = open('locked-down', true);
    expectError(() => enumerate(denied), ERROR_ACCESS_DENIED);
    const ok = open('ok');
    expect(enumerate(ok)).toEqual([{ id: 4, name: 'RDP-Tcp#1', state: 0 }]);
    expect(api.WTSLogoffSession!(ok, 4, 0)).toBe(0);
    expect(api.GetLastError!()).toBe(ERROR_ACCESS_DENIED);
    expect(api.WTSSendMessageW!(ok, 4, 't', 2, 'm', 2, 0, 0, [0], 0)).toBe(0);
    expect(api.GetLastError!()).toBe(ERROR_ACCESS_DENIED);
    expect(api.WTSDisconnectSession!(ok, 4, 0)).toBe(1);
    for (const h of [nowhere, dead, denied, ok]) api.WTSCloseServer!(h);
    expectError(() => enumerate(ok), ERROR_INVALID_HANDLE);
    expect(events('open').map((e) => [e.fn, e.server])).toEqual([
      ['WTSOpenServerW', 'nowhere'],
      ['WTSOpenServerW', 'DEAD'],
      ['WTSOpenServerExW', 'locked-down'],
      ['WTSOpenServerW', 'ok'],
    ]);
    expect(events('close').every((e) => e.ok)).toBe(true);
  });

  it('treats NULL, "" and "." as the local server', () => {
    for (const name of [null, '', '.']) {
      const h = open(name);
      expect(enumerate(h)).toHaveLength(5);
      api.WTSCloseServer!(h);
    }
    expect(events('call').every((e) => e.server === '.')).toBe(true);
  });

  it('carries the last error (errno) into an async callback', async () => {
    const r = await asyncCall(api.WTSQuerySessionInformationW!, null, 4242, C.WTSUserName, [null], [0]);
    expect(r).toMatchObject({ res: 0, code: ERROR_CTX_WINSTATION_NOT_FOUND });
  });

  it('leaves the last error alone on success', () => {
    api.SetLastError!(1234);
    enumerate();
    expect(api.GetLastError!()).toBe(1234);
  });
});

describe('actions', () => {
  it('disconnect sets Disconnected and DisconnectTime; logoff removes the session', () => {
    const before = toFileTime(new Date()) - 10_000_000n;
    expect(api.WTSDisconnectSession!(null, 2, 1)).toBe(1);
    expect(enumerate().find((s) => s.id === 2)?.state).toBe(WtsState.Disconnected);
    const info = query(null, 2, C.WTSSessionInfo).buf;
    expect(info.readInt32LE(0)).toBe(4);
    expect(info.readBigInt64LE(184)).toBeGreaterThanOrEqual(before);
    expect(api.WTSLogoffSession!(null, 2, 0)).toBe(1);
    expect(enumerate().map((s) => s.id)).toEqual([0, 1, 3, 65536]);
    expectError(() => query(null, 2, C.WTSUserName), ERROR_CTX_WINSTATION_NOT_FOUND);
    expect(events('disconnect').map((e) => [e.server, e.session, e.wait, e.ok])).toEqual([['.', 2, 1, true]]);
    expect(events('logoff').map((e) => [e.server, e.session, e.wait, e.ok])).toEqual([['.', 2, 0, true]]);
    // an unchanged fixture keeps the state; a reset re-reads it
    expect(enumerate()).toHaveLength(4);
    api.WtsDoubleReset!();
    expect(enumerate()).toHaveLength(5);
  });

  it('resolves WTS_CURRENT_SESSION through `self` on the local server', () => {
    writeFixture(FIXTURE, [localMachine()], { self: 3 });
    expect(query(null, WTS_CURRENT_SESSION, C.WTSUserName).str).toBe('carol');
    expect(api.WTSDisconnectSession!(null, WTS_CURRENT_SESSION, 0)).toBe(1);
    expect(events('disconnect')[0]?.session).toBe(3);
  });

  it('logs message byte lengths, style, timeout and texts; 32001 when bWait=0', () => {
    const title = 'Hi \u{1F600}';
    const message = 'Logging off in 5 min';
    const resp = [0];
    expect(
      api.WTSSendMessageW!(null, 2, title, title.length * 2, message, message.length * 2, 0x40 | 0x1000, 30, resp, 0),
    ).toBe(1);
    expect(resp[0]).toBe(IDASYNC);
    const [e] = events('message');
    expect(e).toMatchObject({
      server: '.', session: 2, titleBytes: 10, messageBytes: 40, style: 0x1040, timeout: 30, wait: 0,
      response: IDASYNC, title, message, ok: true, error: 0,
    });
    expect(e!.titleHex).toBe(Buffer.from(title, 'utf16le').toString('hex'));
    expect(e!.messageHex).toBe(Buffer.from(message, 'utf16le').toString('hex'));
  });

  it('answers with the fixture reply when bWait=1 and 32000 on timeout', async () => {
    writeFixture(FIXTURE, [{
      name: '.',
      sessions: [
        { id: 1, state: 'Active', winStation: 'Console', user: 'a', reply: IDYES, replyMs: 50 },
        { id: 2, state: 'Active', winStation: 'RDP-Tcp#1', user: 'b', reply: 'none' },
        { id: 3, state: 'Active', winStation: 'RDP-Tcp#2', user: 'c', replyMs: 5000 },
      ],
    }]);
    const resp = [0];
    const t0 = performance.now();
    expect(api.WTSSendMessageW!(null, 1, 'T', 2, 'M', 2, 4, 0, resp, 1)).toBe(1);
    expect(resp[0]).toBe(IDYES);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    const t1 = performance.now();
    expect(api.WTSSendMessageW!(null, 2, 'T', 2, 'M', 2, 4, 1, resp, 1)).toBe(1);
    expect(resp[0]).toBe(IDTIMEOUT);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(950);
    expect(api.WTSSendMessageW!(null, 3, 'T', 2, 'M', 2, 0, 1, resp, 1)).toBe(1); // answers too late
    expect(resp[0]).toBe(IDTIMEOUT);
    expect(events('message').map((e) => e.response)).toEqual([IDYES, IDTIMEOUT, IDTIMEOUT]);
    expect(IDOK).toBe(1);
  });

  it('WTSGetActiveConsoleSessionId: default, explicit and none (0xFFFFFFFF)', () => {
    expect(api.WTSGetActiveConsoleSessionId!()).toBe(1);
    writeFixture(FIXTURE, [localMachine({ consoleSession: 3 })]);
    expect(api.WTSGetActiveConsoleSessionId!()).toBe(3);
    writeFixture(FIXTURE, [localMachine({ consoleSession: 'none' })]);
    expect(api.WTSGetActiveConsoleSessionId!()).toBe(0xffffffff);
  });

  it('ProcessIdToSessionId: own pid via self/console, mapped pids, 87 otherwise', () => {
    const sid = [0];
    expect(api.ProcessIdToSessionId!(process.pid, sid)).toBe(1);
    expect(sid[0]).toBe(1); // the console session by default
    writeFixture(FIXTURE, [localMachine()], { self: 2, processes: { 4321: 3 } });
    expect(api.ProcessIdToSessionId!(process.pid, sid)).toBe(1);
    expect(sid[0]).toBe(2);
    expect(api.ProcessIdToSessionId!(4321, sid)).toBe(1);
    expect(sid[0]).toBe(3);
    expect(api.ProcessIdToSessionId!(4322, sid)).toBe(0);
    expect(api.GetLastError!()).toBe(ERROR_INVALID_PARAMETER);
  });
});

describe('latency and threads', () => {
  it('opening never waits or fails; the first call on the handle pays latency and failure', () => {
    writeFixture(FIXTURE, [
      localMachine(),
      { name: 'slow', latencyMs: 300, sessions: [{ id: 1, state: 'Active', winStation: 'Console' }] },
      { name: 'slowdead', latencyMs: 200, fail: RPC_S_SERVER_UNAVAILABLE, sessions: [] },
    ]);
    let t = performance.now();
    const slow = open('slow');
    const slowdead = open('slowdead');
    expect(performance.now() - t).toBeLessThan(100);
    t = performance.now();
    expect(enumerate(slow)).toHaveLength(1);
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    t = performance.now();
    expectError(() => enumerate(slowdead), RPC_S_SERVER_UNAVAILABLE);
    expect(performance.now() - t).toBeGreaterThanOrEqual(190);
    t = performance.now();
    enumerate(null); // the local server has no latency
    expect(performance.now() - t).toBeLessThan(100);
    api.WTSCloseServer!(slow);
    api.WTSCloseServer!(slowdead);
  });

  it('sleeps without holding the lock: concurrent async calls on a slow server overlap', async () => {
    writeFixture(FIXTURE, [
      localMachine(),
      { name: 'slow', latencyMs: 400, sessions: [{ id: 1, state: 'Active', winStation: 'Console' }] },
    ]);
    const h = open('slow');
    const t0 = performance.now();
    const results = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const pp: Ptr[] = [null];
        const pc = [0];
        const r = await asyncCall(api.WTSEnumerateSessionsW!, h, 0, 1, pp, pc);
        api.WTSFreeMemory!(pp[0]);
        return { ...r, count: pc[0] };
      }),
    );
    const total = performance.now() - t0;
    expect(results.every((r) => r.res === 1 && r.count === 1)).toBe(true);
    expect(total).toBeLessThan(1200); // serialized would be >= 1600 ms
    const calls = events('call');
    expect(new Set(calls.map((c) => c.tid)).size).toBeGreaterThan(1);
    const overlapping = calls.filter((a) => calls.some((b) => a !== b && a.t0 < b.t1 && b.t0 < a.t1));
    expect(overlapping.length).toBeGreaterThan(1);
    api.WTSCloseServer!(h);
  });

  it('stays consistent under many concurrent async queries and frees', async () => {
    const jobs = Array.from({ length: 64 }, (_, i) => {
      const id = [0, 1, 2, 3, 65536][i % 5]!;
      const cls = [C.WTSUserName, C.WTSSessionInfo, C.WTSSessionInfoEx, C.WTSClientAddress][i % 4]!;
      const pp: Ptr[] = [null];
      const pb = [0];
      return asyncCall(api.WTSQuerySessionInformationW!, null, id, cls, pp, pb).then((r) => {
        expect(r.res).toBe(1);
        const bytes = pb[0];
        api.WTSFreeMemory!(pp[0]);
        return bytes;
      });
    });
    const sizes = await Promise.all(jobs);
    expect(sizes.filter((b) => b === 216)).toHaveLength(16);
    expect(sizes.filter((b) => b === 232)).toHaveLength(16);
    expect(api.WtsDoubleLiveAllocs!()).toBe(0);
  });

  it('is clean under ThreadSanitizer (C driver, 8 threads, fixture rewritten meanwhile)', () => {
    const exe = join(work, 'stress');
    execFileSync('cc', [
      '-std=c11', '-g', '-O1', '-fsanitize=thread', '-pthread', '-o', exe,
      ...['stress.c', 'wtsdouble.c', 'platform.c'].map((f) => join(DOUBLE_DIR, f)),
    ]);
    const r = spawnSync(exe, [join(work, 'stress.fixture'), '8', '60'], {
      encoding: 'utf8',
      env: { ...process.env, WTSDOUBLE_LOG: join(work, 'stress.log') },
    });
    expect(r.stderr).not.toMatch(/ThreadSanitizer|stress:/);
    expect(r.stdout).toMatch(/failures=0 live=0/);
    expect(r.status).toBe(0);
  });
});

describe('Windows x64 DLL (mingw-w64)', () => {
  it('exports every function and forwards GetLastError/SetLastError to kernel32', () => {
    const dll = buildDouble('windows');
    const dump = execFileSync('x86_64-w64-mingw32-objdump', ['-p', dll], { encoding: 'utf8' });
    const table = dump.slice(dump.indexOf('[Ordinal/Name Pointer] Table'));
    const names = [...table.matchAll(/^\s+\[\s*\d+\] (\S+)$/gm)].map((m) => m[1]);
    for (const fn of EXPORTS) expect(names).toContain(fn);
    expect(dump).toMatch(/Forwarder RVA -- kernel32\.GetLastError/);
    expect(dump).toMatch(/Forwarder RVA -- kernel32\.SetLastError/);
    expect(dump).toMatch(/Magic\s+020b/); // PE32+ (x64)
    const imports = [...dump.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]!.toLowerCase());
    expect(imports.sort()).toEqual(['kernel32.dll', 'msvcrt.dll']);
  });
});
