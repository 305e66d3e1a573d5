/**
 * The one declaration of every wtsapi32/kernel32 struct and function the WTS backend uses, as
 * data, written with the Windows C type names of Microsoft's headers.
 *
 * Everything else follows from this table:
 * - koffi-decl.ts turns it into koffi structs and function prototypes (C_TO_KOFFI below is the
 *   only Windows-to-koffi type mapping, wts-api.md 5.3);
 * - the TypeScript types of the decoded structs and of the function wrappers are computed from it
 *   at the type level (Decoded, WinFunction), so a wrapper cannot disagree with its declaration;
 * - tests/wts/layout.test.ts emits a C file of _Static_asserts from it (and from koffi's own
 *   sizeof/offsetof of the declared types) and compiles it with x86_64-w64-mingw32-gcc against
 *   mingw-w64's wtsapi32.h, which proves the Windows x64 layouts and signatures.
 *
 * This module is pure data (no koffi), so the main thread can import it without loading koffi.
 */

/** How each Windows C type is passed to koffi. Pointer-to-pointer out-params are `void **`. */
export const C_TO_KOFFI = {
  void: 'void',
  DWORD: 'uint32_t',
  ULONG: 'uint32_t',
  UINT: 'uint32_t',
  USHORT: 'uint16_t',
  BYTE: 'uint8_t',
  // LONG is 4 bytes on Windows (LLP64); koffi's `long` is 8 bytes on Linux, hence int32_t.
  LONG: 'int32_t',
  // BOOL is a 4-byte int; koffi's `bool` is the 1-byte C type.
  BOOL: 'int32_t',
  WCHAR: 'char16_t',
  LARGE_INTEGER: 'int64_t',
  // Windows enums are int-sized.
  WTS_CONNECTSTATE_CLASS: 'int32_t',
  WTS_INFO_CLASS: 'int32_t',
  WTS_TYPE_CLASS: 'int32_t',
  HANDLE: 'HANDLE', // koffi.pointer('HANDLE', koffi.opaque()), declared in koffi-decl.ts
  PVOID: 'void *',
  // A pointer to a SID, only ever passed back to LookupAccountSidW.
  PSID: 'void *',
  // In arguments: a JS string converted to a temporary UTF-16 buffer; in structs: decoded to a string.
  LPWSTR: 'str16',
  LPCWSTR: 'str16',
  // A caller-provided UTF-16 buffer that the function fills (GetSystemDirectoryW).
  'WCHAR *': 'uint16_t *',
  'DWORD *': 'uint32_t *',
  // SID_NAME_USE is an int-sized enum.
  PSID_NAME_USE: 'int32_t *',
  'LPWSTR *': 'void **',
  'PWTS_SESSION_INFOW *': 'void **',
  'PWTS_SESSION_INFO_1W *': 'void **',
} as const;

export type CScalar = keyof typeof C_TO_KOFFI;

/** The TypeScript value koffi 3 gives or takes for each C type (pointers are BigInt or null). */
interface TsOfC {
  void: void;
  DWORD: number;
  ULONG: number;
  UINT: number;
  USHORT: number;
  BYTE: number;
  LONG: number;
  BOOL: number;
  WCHAR: number;
  // int64 decodes to a Number when |v| <= 2^53 and to a BigInt otherwise (wts-api.md 5.7).
  LARGE_INTEGER: number | bigint;
  WTS_CONNECTSTATE_CLASS: number;
  WTS_INFO_CLASS: number;
  WTS_TYPE_CLASS: number;
  HANDLE: bigint | null;
  PVOID: bigint | null;
  PSID: bigint | null;
  LPWSTR: string | null;
  LPCWSTR: string | null;
  PSID_NAME_USE: number[];
  'WCHAR *': Uint16Array;
  'DWORD *': number[];
  'LPWSTR *': (bigint | null)[];
  'PWTS_SESSION_INFOW *': (bigint | null)[];
  'PWTS_SESSION_INFO_1W *': (bigint | null)[];
}
// Every C type has a TypeScript type and nothing else does.
type _SameKeys = [CScalar] extends [keyof TsOfC] ? ([keyof TsOfC] extends [CScalar] ? true : never) : never;
const _sameKeys: _SameKeys = true;
void _sameKeys;

/** A field: [name, C type]. The C type is a scalar, `T[n]` (a fixed array) or a declared struct/union. */
type FieldDecl = readonly [name: string, ctype: string];
interface RecordDecl {
  readonly kind: 'struct' | 'union';
  readonly fields: readonly FieldDecl[];
}

/**
 * The structs, in dependency order. Field names and types are Microsoft's. Which header defines
 * each (mingw-w64's wtsapi32.h, or tests/wts/layout/wtsapi32-missing.h where Debian's is too old)
 * is the layout test's business.
 */
export const RECORDS = {
  WTS_SESSION_INFOW: {
    kind: 'struct',
    fields: [
      ['SessionId', 'DWORD'],
      ['pWinStationName', 'LPWSTR'],
      ['State', 'WTS_CONNECTSTATE_CLASS'],
    ],
  },
  // State comes before SessionId here, unlike WTS_SESSION_INFOW.
  WTS_SESSION_INFO_1W: {
    kind: 'struct',
    fields: [
      ['ExecEnvId', 'DWORD'],
      ['State', 'WTS_CONNECTSTATE_CLASS'],
      ['SessionId', 'DWORD'],
      ['pSessionName', 'LPWSTR'],
      ['pHostName', 'LPWSTR'],
      ['pUserName', 'LPWSTR'],
      ['pDomainName', 'LPWSTR'],
      ['pFarmName', 'LPWSTR'],
    ],
  },
  // Counters first; WinStation, Domain, User; times Connect, Disconnect, LastInput, Logon, Current.
  WTSINFOW: {
    kind: 'struct',
    fields: [
      ['State', 'WTS_CONNECTSTATE_CLASS'],
      ['SessionId', 'DWORD'],
      ['IncomingBytes', 'DWORD'],
      ['OutgoingBytes', 'DWORD'],
      ['IncomingFrames', 'DWORD'],
      ['OutgoingFrames', 'DWORD'],
      ['IncomingCompressedBytes', 'DWORD'],
      ['OutgoingCompressedBytes', 'DWORD'],
      ['WinStationName', 'WCHAR[32]'],
      ['Domain', 'WCHAR[17]'],
      ['UserName', 'WCHAR[21]'],
      ['ConnectTime', 'LARGE_INTEGER'],
      ['DisconnectTime', 'LARGE_INTEGER'],
      ['LastInputTime', 'LARGE_INTEGER'],
      ['LogonTime', 'LARGE_INTEGER'],
      ['CurrentTime', 'LARGE_INTEGER'],
    ],
  },
  // Not a copy of WTSINFOW: other array lengths, User before Domain, Logon first, counters last.
  WTSINFOEX_LEVEL1_W: {
    kind: 'struct',
    fields: [
      ['SessionId', 'ULONG'],
      ['SessionState', 'WTS_CONNECTSTATE_CLASS'],
      ['SessionFlags', 'LONG'],
      ['WinStationName', 'WCHAR[33]'],
      ['UserName', 'WCHAR[21]'],
      ['DomainName', 'WCHAR[18]'],
      ['LogonTime', 'LARGE_INTEGER'],
      ['ConnectTime', 'LARGE_INTEGER'],
      ['DisconnectTime', 'LARGE_INTEGER'],
      ['LastInputTime', 'LARGE_INTEGER'],
      ['CurrentTime', 'LARGE_INTEGER'],
      ['IncomingBytes', 'DWORD'],
      ['OutgoingBytes', 'DWORD'],
      ['IncomingFrames', 'DWORD'],
      ['OutgoingFrames', 'DWORD'],
      ['IncomingCompressedBytes', 'DWORD'],
      ['OutgoingCompressedBytes', 'DWORD'],
    ],
  },
  WTSINFOEX_LEVEL_W: {
    kind: 'union',
    fields: [['WTSInfoExLevel1', 'WTSINFOEX_LEVEL1_W']],
  },
  WTSINFOEXW: {
    kind: 'struct',
    fields: [
      ['Level', 'DWORD'],
      ['Data', 'WTSINFOEX_LEVEL_W'],
    ],
  },
  WTS_CLIENT_ADDRESS: {
    kind: 'struct',
    fields: [
      ['AddressFamily', 'DWORD'],
      ['Address', 'BYTE[20]'],
    ],
  },
  // WTSClientInfo (class 23). ClientAddress holds IPv4 as UTF-16 text and IPv6 in binary form
  // (wts-api.md 3.7); the lengths are CLIENTNAME_LENGTH 20, DOMAIN_LENGTH 17, USERNAME_LENGTH 20,
  // MAX_PATH 260 and CLIENTADDRESS_LENGTH 30, each + 1.
  WTSCLIENTW: {
    kind: 'struct',
    fields: [
      ['ClientName', 'WCHAR[21]'],
      ['Domain', 'WCHAR[18]'],
      ['UserName', 'WCHAR[21]'],
      ['WorkDirectory', 'WCHAR[261]'],
      ['InitialProgram', 'WCHAR[261]'],
      ['EncryptionLevel', 'BYTE'],
      ['ClientAddressFamily', 'ULONG'],
      ['ClientAddress', 'USHORT[31]'],
      ['HRes', 'USHORT'],
      ['VRes', 'USHORT'],
      ['ColorDepth', 'USHORT'],
      ['ClientDirectory', 'WCHAR[261]'],
      ['ClientBuildNumber', 'ULONG'],
      ['ClientHardwareId', 'ULONG'],
      ['ClientProductId', 'USHORT'],
      ['OutBufCountHost', 'USHORT'],
      ['OutBufCountClient', 'USHORT'],
      ['OutBufLength', 'USHORT'],
      ['DeviceId', 'WCHAR[261]'],
    ],
  },
  // WTSEnumerateProcessesExW level 1 (wts-api.md 3.8): names and SIDs point into the same buffer.
  WTS_PROCESS_INFO_EXW: {
    kind: 'struct',
    fields: [
      ['SessionId', 'DWORD'],
      ['ProcessId', 'DWORD'],
      ['pProcessName', 'LPWSTR'],
      ['pUserSid', 'PSID'],
      ['NumberOfThreads', 'DWORD'],
      ['HandleCount', 'DWORD'],
      ['PagefileUsage', 'DWORD'],
      ['PeakPagefileUsage', 'DWORD'],
      ['WorkingSetSize', 'DWORD'],
      ['PeakWorkingSetSize', 'DWORD'],
      ['UserTime', 'LARGE_INTEGER'],
      ['KernelTime', 'LARGE_INTEGER'],
    ],
  },
} as const satisfies Record<string, RecordDecl>;

export type RecordName = keyof typeof RECORDS;

/** A parameter: [name, C type] or [name, C type, direction] for pointers the callee writes. */
type ParamDecl = readonly [name: string, ctype: CScalar] | readonly [name: string, ctype: CScalar, dir: 'out' | 'inout'];
export interface FunctionDecl {
  readonly dll: 'wtsapi32' | 'kernel32' | 'user32' | 'advapi32';
  readonly ret: CScalar;
  readonly params: readonly ParamDecl[];
  /**
   * Only looked up in the real system DLLs, never required from SESSIONTOOLS_WTSAPI_PATH (whose
   * library must export every other function here).
   */
  readonly systemOnly?: true;
}

/** The functions, by their exported (undecorated, W-suffixed) names. All are WINAPI. */
export const FUNCTIONS = {
  WTSOpenServerExW: { dll: 'wtsapi32', ret: 'HANDLE', params: [['pServerName', 'LPWSTR']] },
  WTSCloseServer: { dll: 'wtsapi32', ret: 'void', params: [['hServer', 'HANDLE']] },
  WTSEnumerateSessionsExW: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['hServer', 'HANDLE'],
      ['pLevel', 'DWORD *', 'inout'],
      ['Filter', 'DWORD'],
      ['ppSessionInfo', 'PWTS_SESSION_INFO_1W *', 'out'],
      ['pCount', 'DWORD *', 'out'],
    ],
  },
  WTSEnumerateSessionsW: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['hServer', 'HANDLE'],
      ['Reserved', 'DWORD'],
      ['Version', 'DWORD'],
      ['ppSessionInfo', 'PWTS_SESSION_INFOW *', 'out'],
      ['pCount', 'DWORD *', 'out'],
    ],
  },
  WTSQuerySessionInformationW: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['hServer', 'HANDLE'],
      ['SessionId', 'DWORD'],
      ['WTSInfoClass', 'WTS_INFO_CLASS'],
      ['ppBuffer', 'LPWSTR *', 'out'],
      ['pBytesReturned', 'DWORD *', 'out'],
    ],
  },
  // ppProcessInfo is LPWSTR * in Microsoft's W declaration; it receives a WTS_PROCESS_INFO_EXW array.
  WTSEnumerateProcessesExW: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['hServer', 'HANDLE'],
      ['pLevel', 'DWORD *', 'inout'],
      ['SessionId', 'DWORD'],
      ['ppProcessInfo', 'LPWSTR *', 'out'],
      ['pCount', 'DWORD *', 'out'],
    ],
  },
  WTSFreeMemory: { dll: 'wtsapi32', ret: 'void', params: [['pMemory', 'PVOID']] },
  WTSFreeMemoryExW: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['WTSTypeClass', 'WTS_TYPE_CLASS'],
      ['pMemory', 'PVOID'],
      ['NumberOfEntries', 'ULONG'],
    ],
  },
  WTSDisconnectSession: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['hServer', 'HANDLE'],
      ['SessionId', 'DWORD'],
      ['bWait', 'BOOL'],
    ],
  },
  WTSLogoffSession: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['hServer', 'HANDLE'],
      ['SessionId', 'DWORD'],
      ['bWait', 'BOOL'],
    ],
  },
  WTSSendMessageW: {
    dll: 'wtsapi32',
    ret: 'BOOL',
    params: [
      ['hServer', 'HANDLE'],
      ['SessionId', 'DWORD'],
      ['pTitle', 'LPWSTR'],
      ['TitleLength', 'DWORD'],
      ['pMessage', 'LPWSTR'],
      ['MessageLength', 'DWORD'],
      ['Style', 'DWORD'],
      ['Timeout', 'DWORD'],
      ['pResponse', 'DWORD *', 'out'],
      ['bWait', 'BOOL'],
    ],
  },
  WTSGetActiveConsoleSessionId: { dll: 'kernel32', ret: 'DWORD', params: [] },
  ProcessIdToSessionId: {
    dll: 'kernel32',
    ret: 'BOOL',
    params: [
      ['dwProcessId', 'DWORD'],
      ['pSessionId', 'DWORD *', 'out'],
    ],
  },
  GetLastError: { dll: 'kernel32', ret: 'DWORD', params: [] },
  // The account name of a process's SID, asked of the computer that listed the process.
  LookupAccountSidW: {
    dll: 'advapi32',
    ret: 'BOOL',
    params: [
      ['lpSystemName', 'LPCWSTR'],
      ['Sid', 'PSID'],
      ['Name', 'WCHAR *', 'out'],
      ['cchName', 'DWORD *', 'inout'],
      ['ReferencedDomainName', 'WCHAR *', 'out'],
      ['cchReferencedDomainName', 'DWORD *', 'inout'],
      ['peUse', 'PSID_NAME_USE', 'out'],
    ],
  },
  // Locks the workstation's display, for the session of the calling process only.
  LockWorkStation: { dll: 'user32', ret: 'BOOL', params: [] },
  GetSystemDirectoryW: {
    dll: 'kernel32',
    ret: 'UINT',
    params: [
      ['lpBuffer', 'WCHAR *', 'out'],
      ['uSize', 'UINT'],
    ],
    systemOnly: true,
  },
} as const satisfies Record<string, FunctionDecl>;

export type FunctionName = keyof typeof FUNCTIONS;

// ---- TypeScript types computed from the table ----

type FieldTs<C extends string> = C extends `WCHAR[${number}]`
  ? string
  : C extends `BYTE[${number}]`
    ? Uint8Array
    : C extends `USHORT[${number}]`
      ? Uint16Array
      : C extends RecordName
        ? Decoded<C>
        : C extends CScalar
          ? TsOfC[C]
          : never;

type FieldsTs<F extends readonly FieldDecl[]> = { [E in F[number] as E[0]]: FieldTs<E[1]> };

/** What koffi.decode gives for a declared struct or union. */
export type Decoded<R extends RecordName> = FieldsTs<(typeof RECORDS)[R]['fields']>;

type ParamsTs<P extends readonly ParamDecl[]> = { -readonly [I in keyof P]: P[I] extends readonly [string, infer C extends CScalar, ...unknown[]] ? TsOfC[C] : never };

/** The call signature of a declared function. */
export type WinFunction<N extends FunctionName> = (...args: ParamsTs<(typeof FUNCTIONS)[N]['params']>) => TsOfC[(typeof FUNCTIONS)[N]['ret']];

/** The functions every library must export (all but the systemOnly ones). */
export type ApiName = { [N in FunctionName]: (typeof FUNCTIONS)[N] extends { systemOnly: true } ? never : N }[FunctionName];

/** The declared functions, typed. */
export type WinApi = { [N in ApiName]: WinFunction<N> };
