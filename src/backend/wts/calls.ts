/**
 * Thin typed wrappers over the WinApi (worker side; every call is synchronous and may block).
 *
 * Rules kept here, once (wts-api.md 5.5-5.8):
 * - GetLastError is the very next koffi call after a failing call (before any free);
 * - pointer out-params are [null] arrays; the pointer comes back as a BigInt or null;
 * - a NULL buffer on success is "no value", never decoded;
 * - returned strings are decoded with ('char16_t', -1), never 'char16_t *';
 * - every returned buffer is freed in a finally: WTSFreeMemory, or WTSFreeMemoryExW with the type
 *   and count for WTS_SESSION_INFO_1W arrays.
 */
import koffi, { type TypeObject } from 'koffi';
import { type Decoded, type WinApi } from './abi.ts';
import { koffiDecl } from './koffi-decl.ts';
import { memberReader, offsetOf, readRows, recordBytes } from './record-bytes.ts';
import type { Win32Failure } from './win32-errors.ts';

/** WTS_INFO_CLASS values used (wts-api.md 2.3). */
export const WTS_INFO = {
  WTSClientName: 10,
  WTSClientAddress: 14,
  WTSClientProtocolType: 16,
  WTSClientInfo: 23,
  WTSSessionInfo: 24,
  WTSSessionInfoEx: 25,
} as const;
type InfoClassName = keyof typeof WTS_INFO;

/** WTS_TYPE_CLASS for WTSFreeMemoryExW. */
const WTSTypeSessionInfoLevel1 = 2;
const WTSTypeProcessInfoLevel1 = 1;
/**
 * Codes with which WTSEnumerateSessionsExW says "not here" (an older server, or a library without
 * level 1): then WTSEnumerateSessionsW is used. ERROR_NOT_SUPPORTED, ERROR_INVALID_PARAMETER,
 * ERROR_CALL_NOT_IMPLEMENTED, RPC_S_PROCNUM_OUT_OF_RANGE, RPC_S_CANNOT_SUPPORT. Which of these a
 * 2008 (non-R2) server really returns has not been checked (no Windows here).
 */
export const ENUMERATE_EX_UNSUPPORTED = new Set([50, 87, 120, 1745, 1764]);

/** A Win32 call failed; `failure.code` is GetLastError() taken right after it. */
export class Win32Error extends Error {
  constructor(readonly failure: Win32Failure) {
    super(`${failure.fn} failed with Win32 error ${failure.code}`);
  }
}

/** A session that Windows cannot lock from here: it is not the calling process's own session. */
export class NotOwnSession extends Error {
  constructor(
    readonly id: number,
    readonly own: number,
  ) {
    super(`session ${id} is not the caller's session (${own})`);
  }
}

/** One process as WTSEnumerateProcessesExW lists it, its SID resolved to a name. */
export interface RawProcess {
  SessionId: number;
  Id: number;
  Name: string;
  UserName: string | null;
  WorkingSet: number;
}

/** One session as enumerated. UserName/Domain are null from the classic enumeration (not in it). */
export interface EnumeratedSession {
  SessionId: number;
  State: number;
  SessionName: string | null;
  UserName: string | null;
  Domain: string | null;
}

/** The members of WTSINFOEX_LEVEL1_W a session is described from (not its id, which the caller has, nor its traffic counters). */
const EX_FIELDS = ['SessionState', 'SessionFlags', 'WinStationName', 'UserName', 'DomainName', 'LogonTime', 'ConnectTime', 'DisconnectTime', 'LastInputTime', 'CurrentTime'] as const;
export type SessionInfoEx = Pick<Decoded<'WTSINFOEX_LEVEL1_W'>, (typeof EX_FIELDS)[number]>;
export type SessionInfo = Decoded<'WTSINFOW'>;
/** The members of WTSCLIENTW the backend reads (the rest are paths and display details). */
export type ClientInfo = Pick<Decoded<'WTSCLIENTW'>, 'ClientName' | 'ClientAddressFamily' | 'ClientAddress'>;
const CLIENT_INFO_FIELDS = ['ClientName', 'ClientAddressFamily', 'ClientAddress'] as const;
const LEVEL_FIELD = ['Level'] as const;
/** The members of WTS_SESSION_INFO_1W an EnumeratedSession holds (not the host, farm or environment). */
const ENUMERATED_FIELDS = ['SessionId', 'State', 'pSessionName', 'pUserName', 'pDomainName'] as const;

/** What a WTSQuerySessionInformationW buffer of a class holds, copied out of it (the caller frees it). */
function struct<R extends 'WTSINFOW' | 'WTS_CLIENT_ADDRESS'>(p: bigint, bytes: number, name: R): Decoded<R> {
  const type = koffiDecl().records[name];
  if (bytes < type.size) throw new Error(`WTSQuerySessionInformationW returned ${bytes} bytes for ${name}, which has ${type.size}`);
  return koffi.decode(p, type) as Decoded<R>;
}

/**
 * The readers of the query buffers, by what they read: the synchronous calls (workers) and the
 * asynchronous ones (async-calls.ts) decode the same way.
 */
export const READ = {
  /** Read from the bytes (record-bytes.ts): koffi's decoding of the union cost more than the call. */
  sessionInfoEx: (p: bigint, n: number): SessionInfoEx | null => {
    const bytes = recordBytes(p, n, 'WTSINFOEXW');
    if (memberReader('WTSINFOEXW', LEVEL_FIELD).read(bytes, 0).Level !== 1) return null;
    return memberReader('WTSINFOEX_LEVEL1_W', EX_FIELDS).read(bytes, offsetOf('WTSINFOEXW', 'Data'));
  },
  sessionInfo: (p: bigint, n: number): SessionInfo => struct(p, n, 'WTSINFOW'),
  /** Only some members, read from the bytes: all of WTSCLIENTW (2,304 bytes, five MAX_PATH strings) costs more than the call. */
  clientInfo: (p: bigint, n: number): ClientInfo => memberReader('WTSCLIENTW', CLIENT_INFO_FIELDS).read(recordBytes(p, n, 'WTSCLIENTW'), 0),
  clientName: (p: bigint): string => koffi.decode(p, 'char16_t', -1) as string,
  clientAddress: (p: bigint, n: number): Decoded<'WTS_CLIENT_ADDRESS'> => struct(p, n, 'WTS_CLIENT_ADDRESS'),
  clientProtocolType: (p: bigint, n: number): number => {
    if (n < 2) throw new Error(`WTSQuerySessionInformationW returned ${n} bytes for WTSClientProtocolType (a USHORT)`);
    return koffi.decode(p, 'uint16_t') as number;
  },
};

/** Copies what `p` holds with `read` and frees it (WTSFreeMemory); a NULL buffer is "no value", never decoded. */
export function readAndFree<T>(api: Pick<WinApi, 'WTSFreeMemory'>, p: bigint | null | undefined, bytes: number, read: (p: bigint, bytes: number) => T): T | null {
  if (p === null || p === undefined) return null;
  try {
    return read(p, bytes);
  } finally {
    api.WTSFreeMemory(p);
  }
}

/** A WTSEnumerateSessionsExW level-1 array, its members read in place (record-bytes.ts), then freed with WTSFreeMemoryExW. */
export function sessionsEx(api: Pick<WinApi, 'WTSFreeMemoryExW'>, p: bigint | null | undefined, n: number): EnumeratedSession[] {
  if (p === null || p === undefined) return [];
  try {
    const rows = readRows(p, n, 'WTS_SESSION_INFO_1W', ENUMERATED_FIELDS);
    return rows.map((r) => ({ SessionId: r.SessionId, State: r.State, SessionName: r.pSessionName, UserName: r.pUserName, Domain: r.pDomainName }));
  } finally {
    // Its result tells nothing the caller could act on: the data is already copied.
    api.WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, p, n);
  }
}

/** A classic WTSEnumerateSessionsW array (no user or domain in it), copied, then freed with WTSFreeMemory. */
export function sessionsClassic(api: Pick<WinApi, 'WTSFreeMemory'>, p: bigint | null | undefined, n: number): EnumeratedSession[] {
  return (
    readAndFree(api, p, n, (q) => {
      const rows = koffi.decode(q, koffiDecl().records.WTS_SESSION_INFOW, n) as Decoded<'WTS_SESSION_INFOW'>[];
      return rows.map((r) => ({ SessionId: r.SessionId, State: r.State, SessionName: r.pWinStationName, UserName: null, Domain: null }));
    }) ?? []
  );
}

export class WtsCalls {
  /** query()'s out-parameters, reused: its calls are synchronous, one at a time on this thread (thousands per listing). */
  private readonly queryOut: { pp: (bigint | null)[]; bytes: number[] } = { pp: [null], bytes: [0] };

  constructor(private readonly api: WinApi) {}

  /** Only right after a failed call: GetLastError must be the next koffi call. */
  private lastError(fn: string): Win32Error {
    return new Win32Error({ fn, code: this.api.GetLastError() });
  }

  /**
   * A handle to a remote server. A NULL handle would mean THIS server to every later call, so it
   * is a failure here, never passed on.
   */
  openServer(name: string): bigint {
    const h = this.api.WTSOpenServerExW(name);
    if (h === null || h === 0n) throw this.lastError('WTSOpenServerExW');
    return h;
  }

  closeServer(h: bigint): void {
    this.api.WTSCloseServer(h);
  }

  /** Every session: level 1 in one call where the server has it, else the classic enumeration. */
  enumerate(h: bigint | null): EnumeratedSession[] {
    const level = [1];
    const pp: (bigint | null)[] = [null];
    const count = [0];
    const ok = this.api.WTSEnumerateSessionsExW(h, level, 0, pp, count);
    if (!ok) {
      const error = this.lastError('WTSEnumerateSessionsExW');
      if (ENUMERATE_EX_UNSUPPORTED.has(error.failure.code)) return this.enumerateClassic(h);
      throw error;
    }
    return sessionsEx(this.api, pp[0], count[0] ?? 0);
  }

  private enumerateClassic(h: bigint | null): EnumeratedSession[] {
    const pp: (bigint | null)[] = [null];
    const count = [0];
    const ok = this.api.WTSEnumerateSessionsW(h, 0, 1, pp, count);
    if (!ok) throw this.lastError('WTSEnumerateSessionsW');
    return sessionsClassic(this.api, pp[0], count[0] ?? 0);
  }

  /** One WTSQuerySessionInformationW: `read` copies out of the buffer, which is then freed. */
  query<T>(h: bigint | null, id: number, cls: InfoClassName, read: (p: bigint, bytes: number) => T): T | null {
    const { pp, bytes } = this.queryOut;
    pp[0] = null;
    bytes[0] = 0;
    if (!this.api.WTSQuerySessionInformationW(h, id, WTS_INFO[cls], pp, bytes)) throw this.lastError(`WTSQuerySessionInformationW(${cls})`);
    return readAndFree(this.api, pp[0], bytes[0] ?? 0, read);
  }

  /** WTSINFOW (Vista SP1/2008 and later). */
  sessionInfo(h: bigint | null, id: number): SessionInfo | null {
    return this.query(h, id, 'WTSSessionInfo', READ.sessionInfo);
  }

  /**
   * The processes of session `id` (WTSEnumerateProcessesExW level 1, wts-api.md 3.8), each with the
   * account name of its SID, asked of `computer` (null: this one) while the buffer still holds the
   * SIDs; each SID is asked once. The array is freed with WTSFreeMemoryExW(WTSTypeProcessInfoLevel1).
   */
  processes(h: bigint | null, id: number, computer: string | null): RawProcess[] {
    const level = [1];
    const pp: (bigint | null)[] = [null];
    const count = [0];
    if (!this.api.WTSEnumerateProcessesExW(h, level, id, pp, count)) throw this.lastError('WTSEnumerateProcessesExW');
    const p = pp[0];
    if (p === null || p === undefined) return [];
    const n = count[0] ?? 0;
    try {
      const rows = koffi.decode(p, koffiDecl().records.WTS_PROCESS_INFO_EXW, n) as Decoded<'WTS_PROCESS_INFO_EXW'>[];
      const names = new Map<string, string | null>();
      return rows.map((r) => ({ SessionId: r.SessionId, Id: r.ProcessId, Name: r.pProcessName ?? '', UserName: this.accountName(computer, r.pUserSid, names), WorkingSet: r.WorkingSetSize }));
    } finally {
      this.api.WTSFreeMemoryExW(WTSTypeProcessInfoLevel1, p, n);
    }
  }

  /**
   * The account name (without domain) of a SID; null for no SID, or when it cannot be named:
   * ERROR_NONE_MAPPED (no account has it, or a network timeout kept the lookup from finding it,
   * wts-api.md 3.8) or any other failure, which costs the name only, never the process list.
   */
  private accountName(computer: string | null, sid: bigint | null, cache: Map<string, string | null>): string | null {
    if (sid === null) return null;
    // A SID is 8 bytes and 4 per sub-authority; its second byte counts them.
    const key = Buffer.from(koffi.decode(sid, 'uint8_t', 8 + 4 * (koffi.decode(sid, 1, 'uint8_t') as number)) as Uint8Array).toString('hex');
    if (cache.has(key)) return cache.get(key) as string | null;
    const name = new Uint16Array(257);
    const domain = new Uint16Array(257);
    const [nameLength, domainLength] = [[name.length], [domain.length]];
    let found: string | null = null;
    // Microsoft documents cchName on failure only: the name is read up to its NUL.
    if (this.api.LookupAccountSidW(computer, sid, name, nameLength, domain, domainLength, [0])) {
      const end = name.indexOf(0);
      found = Buffer.from(name.buffer, 0, (end === -1 ? name.length : end) * 2).toString('utf16le');
    }
    cache.set(key, found);
    return found;
  }

  disconnect(h: bigint | null, id: number, wait: boolean): void {
    if (!this.api.WTSDisconnectSession(h, id, wait ? 1 : 0)) throw this.lastError('WTSDisconnectSession');
  }

  /**
   * Locks session `id` when it is the one this process runs in (LockWorkStation locks only the
   * caller's own session; the helper runs in its PowerShell's session). Otherwise nothing is
   * called and NotOwnSession says which session is the caller's.
   */
  lockOwnSession(h: bigint | null, id: number): void {
    const own = [0];
    if (!this.api.ProcessIdToSessionId(process.pid, own)) throw this.lastError('ProcessIdToSessionId');
    if (h !== null || own[0] !== id) throw new NotOwnSession(id, own[0] as number);
    if (!this.api.LockWorkStation()) throw this.lastError('LockWorkStation');
  }

  /**
   * The session this process runs in: ProcessIdToSessionId of its own pid (the helper runs in its
   * PowerShell's session, which a child process inherits).
   */
  ownSessionId(): number {
    const own = [0];
    if (!this.api.ProcessIdToSessionId(process.pid, own)) throw this.lastError('ProcessIdToSessionId');
    return own[0] as number;
  }

  logoff(h: bigint | null, id: number, wait: boolean): void {
    if (!this.api.WTSLogoffSession(h, id, wait ? 1 : 0)) throw this.lastError('WTSLogoffSession');
  }

  /**
   * A message box in session `id`; the answer is the pressed button's id, IDTIMEOUT or IDASYNC
   * (wts-api.md 4.4). Both lengths are in bytes, without the NUL; Timeout in seconds.
   */
  sendMessage(h: bigint | null, id: number, title: string, text: string, style: number, timeoutSec: number, wait: boolean): number {
    const response = [0];
    if (!this.api.WTSSendMessageW(h, id, title, title.length * 2, text, text.length * 2, style, timeoutSec, response, wait ? 1 : 0)) throw this.lastError('WTSSendMessageW');
    return response[0] as number;
  }
}
