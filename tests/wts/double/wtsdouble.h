/*
 * wtsdouble.h - types of the wtsapi32 C test double.
 *
 * Written independently from Microsoft's documentation (learn.microsoft.com, the
 * MicrosoftDocs/sdk-api sources under sdk-api-src/content/wtsapi32/) and the project's notes in
 * docs/wts-api.md sections 1-4 and 6. It deliberately does NOT include or copy
 * anything from the project's bindings under src/: a wrong declaration there must show up as a
 * failing test rather than agree with itself.
 *
 * Windows x64 (LLP64) types are spelled with fixed-width C types so the same declarations give
 * the same layout on x86-64 Linux (LP64) and on x86_64-w64-mingw32:
 *   WCHAR -> char16_t, DWORD/ULONG -> uint32_t, BOOL/LONG/enums -> int32_t,
 *   LARGE_INTEGER -> int64_t (8-byte aligned), pointers are real pointers.
 * Do not compile with -fshort-enums (no enum type is used in a struct anyway).
 */
#ifndef WTSDOUBLE_H
#define WTSDOUBLE_H

#include <stddef.h>
#include <stdint.h>
#include <uchar.h>

typedef uint32_t DBL_DWORD;
typedef int32_t DBL_BOOL;
typedef int32_t DBL_LONG;
typedef int32_t DBL_ENUM; /* WTS_CONNECTSTATE_CLASS, WTS_INFO_CLASS, WTS_TYPE_CLASS */
typedef int64_t DBL_LARGE_INTEGER;
typedef void *DBL_HANDLE;

#define DBL_WINSTATIONNAME_LENGTH 32
#define DBL_DOMAIN_LENGTH 17
#define DBL_USERNAME_LENGTH 20
#define DBL_CLIENTNAME_LENGTH 20
#define DBL_CLIENTADDRESS_LENGTH 30
#define DBL_MAX_PATH 260

/* WTS_SESSION_INFOW */
typedef struct {
  DBL_DWORD SessionId;
  char16_t *pWinStationName;
  DBL_ENUM State;
} DBL_WTS_SESSION_INFOW;

/* WTS_SESSION_INFO_1W (State precedes SessionId) */
typedef struct {
  DBL_DWORD ExecEnvId;
  DBL_ENUM State;
  DBL_DWORD SessionId;
  char16_t *pSessionName;
  char16_t *pHostName;
  char16_t *pUserName;
  char16_t *pDomainName;
  char16_t *pFarmName;
} DBL_WTS_SESSION_INFO_1W;

/* WTSINFOW */
typedef struct {
  DBL_ENUM State;
  DBL_DWORD SessionId;
  DBL_DWORD IncomingBytes;
  DBL_DWORD OutgoingBytes;
  DBL_DWORD IncomingFrames;
  DBL_DWORD OutgoingFrames;
  DBL_DWORD IncomingCompressedBytes;
  DBL_DWORD OutgoingCompressedBytes;
  char16_t WinStationName[DBL_WINSTATIONNAME_LENGTH];
  char16_t Domain[DBL_DOMAIN_LENGTH];
  char16_t UserName[DBL_USERNAME_LENGTH + 1];
  DBL_LARGE_INTEGER ConnectTime;
  DBL_LARGE_INTEGER DisconnectTime;
  DBL_LARGE_INTEGER LastInputTime;
  DBL_LARGE_INTEGER LogonTime;
  DBL_LARGE_INTEGER CurrentTime;
} DBL_WTSINFOW;

/* WTSINFOEX_LEVEL1_W */
typedef struct {
  uint32_t SessionId;
  DBL_ENUM SessionState;
  DBL_LONG SessionFlags;
  char16_t WinStationName[DBL_WINSTATIONNAME_LENGTH + 1];
  char16_t UserName[DBL_USERNAME_LENGTH + 1];
  char16_t DomainName[DBL_DOMAIN_LENGTH + 1];
  DBL_LARGE_INTEGER LogonTime;
  DBL_LARGE_INTEGER ConnectTime;
  DBL_LARGE_INTEGER DisconnectTime;
  DBL_LARGE_INTEGER LastInputTime;
  DBL_LARGE_INTEGER CurrentTime;
  DBL_DWORD IncomingBytes;
  DBL_DWORD OutgoingBytes;
  DBL_DWORD IncomingFrames;
  DBL_DWORD OutgoingFrames;
  DBL_DWORD IncomingCompressedBytes;
  DBL_DWORD OutgoingCompressedBytes;
} DBL_WTSINFOEX_LEVEL1_W;

typedef union {
  DBL_WTSINFOEX_LEVEL1_W WTSInfoExLevel1;
} DBL_WTSINFOEX_LEVEL_W;

/* WTSINFOEXW */
typedef struct {
  DBL_DWORD Level;
  DBL_WTSINFOEX_LEVEL_W Data;
} DBL_WTSINFOEXW;

/* WTS_CLIENT_ADDRESS */
typedef struct {
  DBL_DWORD AddressFamily;
  uint8_t Address[20];
} DBL_WTS_CLIENT_ADDRESS;

/* WTS_CLIENT_DISPLAY */
typedef struct {
  DBL_DWORD HorizontalResolution;
  DBL_DWORD VerticalResolution;
  DBL_DWORD ColorDepth;
} DBL_WTS_CLIENT_DISPLAY;

/* WTSCLIENTW (what WTSQuerySessionInformationW returns for WTSClientInfo, class 23). The one
 * BYTE (EncryptionLevel) before a ULONG, and the USHORT run before a ULONG, leave padding. */
typedef struct {
  char16_t ClientName[DBL_CLIENTNAME_LENGTH + 1];
  char16_t Domain[DBL_DOMAIN_LENGTH + 1];
  char16_t UserName[DBL_USERNAME_LENGTH + 1];
  char16_t WorkDirectory[DBL_MAX_PATH + 1];
  char16_t InitialProgram[DBL_MAX_PATH + 1];
  uint8_t EncryptionLevel;
  uint32_t ClientAddressFamily;
  uint16_t ClientAddress[DBL_CLIENTADDRESS_LENGTH + 1];
  uint16_t HRes;
  uint16_t VRes;
  uint16_t ColorDepth;
  char16_t ClientDirectory[DBL_MAX_PATH + 1];
  uint32_t ClientBuildNumber;
  uint32_t ClientHardwareId;
  uint16_t ClientProductId;
  uint16_t OutBufCountHost;
  uint16_t OutBufCountClient;
  uint16_t OutBufLength;
  char16_t DeviceId[DBL_MAX_PATH + 1];
} DBL_WTSCLIENTW;

/* WTS_PROCESS_INFO_EXW (WTSEnumerateProcessesExW level 1) */
typedef struct {
  DBL_DWORD SessionId;
  DBL_DWORD ProcessId;
  char16_t *pProcessName;
  void *pUserSid;
  DBL_DWORD NumberOfThreads;
  DBL_DWORD HandleCount;
  DBL_DWORD PagefileUsage;
  DBL_DWORD PeakPagefileUsage;
  DBL_DWORD WorkingSetSize;
  DBL_DWORD PeakWorkingSetSize;
  DBL_LARGE_INTEGER UserTime;
  DBL_LARGE_INTEGER KernelTime;
} DBL_WTS_PROCESS_INFO_EXW;

/* Compile-time self check against the documented x64 layout (wts-api.md section 3).
 * This runs for both builds (gcc on Linux and x86_64-w64-mingw32-gcc). */
_Static_assert(sizeof(DBL_WTS_SESSION_INFOW) == 24, "WTS_SESSION_INFOW size");
_Static_assert(offsetof(DBL_WTS_SESSION_INFOW, pWinStationName) == 8, "pWinStationName");
_Static_assert(offsetof(DBL_WTS_SESSION_INFOW, State) == 16, "State");
_Static_assert(sizeof(DBL_WTS_SESSION_INFO_1W) == 56, "WTS_SESSION_INFO_1W size");
_Static_assert(offsetof(DBL_WTS_SESSION_INFO_1W, SessionId) == 8, "_1W SessionId");
_Static_assert(offsetof(DBL_WTS_SESSION_INFO_1W, pFarmName) == 48, "_1W pFarmName");
_Static_assert(sizeof(DBL_WTSINFOW) == 216, "WTSINFOW size");
_Static_assert(offsetof(DBL_WTSINFOW, Domain) == 96, "WTSINFOW Domain");
_Static_assert(offsetof(DBL_WTSINFOW, UserName) == 130, "WTSINFOW UserName");
_Static_assert(offsetof(DBL_WTSINFOW, ConnectTime) == 176, "WTSINFOW ConnectTime");
_Static_assert(sizeof(DBL_WTSINFOEX_LEVEL1_W) == 224, "WTSINFOEX_LEVEL1_W size");
_Static_assert(offsetof(DBL_WTSINFOEX_LEVEL1_W, DomainName) == 120, "LEVEL1 DomainName");
_Static_assert(offsetof(DBL_WTSINFOEX_LEVEL1_W, LogonTime) == 160, "LEVEL1 LogonTime");
_Static_assert(sizeof(DBL_WTSINFOEXW) == 232, "WTSINFOEXW size");
_Static_assert(offsetof(DBL_WTSINFOEXW, Data) == 8, "WTSINFOEXW Data");
_Static_assert(sizeof(DBL_WTS_CLIENT_ADDRESS) == 24, "WTS_CLIENT_ADDRESS size");
_Static_assert(sizeof(DBL_WTS_CLIENT_DISPLAY) == 12, "WTS_CLIENT_DISPLAY size");
_Static_assert(sizeof(DBL_WTSCLIENTW) == 2304, "WTSCLIENTW size");
_Static_assert(offsetof(DBL_WTSCLIENTW, EncryptionLevel) == 1164, "WTSCLIENTW EncryptionLevel");
_Static_assert(offsetof(DBL_WTSCLIENTW, ClientAddressFamily) == 1168, "WTSCLIENTW ClientAddressFamily");
_Static_assert(offsetof(DBL_WTSCLIENTW, ClientAddress) == 1172, "WTSCLIENTW ClientAddress");
_Static_assert(offsetof(DBL_WTSCLIENTW, ClientBuildNumber) == 1764, "WTSCLIENTW ClientBuildNumber");
_Static_assert(offsetof(DBL_WTSCLIENTW, DeviceId) == 1780, "WTSCLIENTW DeviceId");
_Static_assert(sizeof(DBL_WTS_PROCESS_INFO_EXW) == 64, "WTS_PROCESS_INFO_EXW size");
_Static_assert(offsetof(DBL_WTS_PROCESS_INFO_EXW, pUserSid) == 16, "WTS_PROCESS_INFO_EXW pUserSid");
_Static_assert(offsetof(DBL_WTS_PROCESS_INFO_EXW, UserTime) == 48, "WTS_PROCESS_INFO_EXW UserTime");
_Static_assert(sizeof(char16_t) == 2, "char16_t");

/* ---- platform layer (platform.c); the only file that may include <windows.h> ---- */
void dbl_lock(void);
void dbl_unlock(void);
void dbl_sleep_ms(uint32_t ms);
int64_t dbl_now_filetime(void);  /* 100-ns ticks since 1601-01-01 UTC */
int64_t dbl_now_us(void);        /* microseconds since 1970-01-01 UTC */
uint32_t dbl_pid(void);
uint64_t dbl_tid(void);
uint32_t dbl_get_last_error(void);
void dbl_set_last_error(uint32_t code);
/* Reads the whole file named by environment variable `var`; NULL if unset or unreadable.
 * *path_utf8 receives a malloc'd UTF-8 copy of the path (or NULL). */
char *dbl_read_env_file(const char *var, size_t *len, char **path_utf8);
/* Appends one line (a '\n' is added) to the file named by environment variable `var`;
 * no-op if unset. The file is opened, written and closed for every line. */
void dbl_append_env_file(const char *var, const char *line);

/*
 * ============================== FIXTURE FORMAT ==============================
 * File named by env WTSDOUBLE_FIXTURE. Checked at every call that starts a new look at a server
 * (WTSOpenServer*W, WTSEnumerateSessions*W, WTSGetActiveConsoleSessionId, ProcessIdToSessionId;
 * per-session queries and actions use what the last of those saw): the file is read and, if its
 * bytes differ from the last load (or the env var now names another/no file), it is re-parsed and
 * all in-memory state changes (disconnect/logoff) are discarded. Same bytes -> state kept.
 * (WtsDoubleReset() forces a re-parse.) Unset/unreadable -> empty fixture (only the local server,
 * with no sessions, console 0xFFFFFFFF).
 *
 * UTF-8 text, one directive per line, tokens separated by spaces/tabs, '#' starts a comment line,
 * CRLF accepted. String fields are percent-encoded UTF-8 (%XX; e.g. space = %20, U+1F600 =
 * %F0%9F%98%80); a bare '-' means NULL/empty (a literal "-" is written %2D).
 *
 *   server <name> [latency_ms=<n>] [fail=<win32 code>] [version=<v>] [classic_fail=<win32 code>]
 *       <name> '.' (or '-') = the local server = WTS_CURRENT_SERVER_HANDLE (NULL) and
 *       WTSOpenServer*W(NULL | "" | "."). Other names are matched ASCII-case-insensitively with
 *       the name passed to WTSOpenServer*W. Names not listed -> every call on the handle fails
 *       with 1722 (no latency). The local server always exists even if not listed.
 *       latency_ms: every call that uses a handle of this server (Enumerate, EnumerateEx, Query,
 *         Disconnect, Logoff, SendMessage) sleeps this long first, with no lock held.
 *         WTSOpenServer*W itself never sleeps or fails (the real one does not contact the host).
 *       fail: every call that uses the handle sleeps latency_ms and then fails with this code
 *         (1722 dead host, 5 access denied, ...). 0 = ok.
 *       version: "6.1" reverses SessionFlags (documented Win7/2008R2 defect); anything else
 *         (default "10.0") gives the documented values.
 *         "6.0" is a Windows Vista / Server 2008 server, which predates WTSEnumerateSessionsExW
 *         and the WTSSessionInfoEx class (both "Windows 7 / Server 2008 R2" and later in their
 *         Microsoft documentation): on its handles WTSEnumerateSessionsExW and
 *         WTSQuerySessionInformationW(WTSSessionInfoEx = 25) fail with 1745
 *         RPC_S_PROCNUM_OUT_OF_RANGE (after latency_ms, like any call that reaches the server);
 *         WTSEnumerateSessionsW and the other classes work. Why 1745: a
 *         remote WTS call is an RPC to the server's TermService ([MS-TSTS]; the Ex enumeration is
 *         RpcGetEnumResultEx, opnum 9 of the LSM enumeration interface, section 3.3.4.3.9), and an
 *         RPC server that lacks the called method answers RPC_S_PROCNUM_OUT_OF_RANGE (the error
 *         table of [MS-SAMR] words it "The server does not implement the requested method.").
 *         (WTSINFOEX, what WTSSessionInfoEx returns, is documented from 2008 R2 on.) Microsoft does
 *         not document the code a 2008 server gives to these two calls, and no Windows is
 *         available here to check it: 1745 is the double's reading, not an observation.
 *       classic_fail: WTSEnumerateSessionsW alone fails with this code (after latency_ms; the other
 *         calls work): with version=6.0, a server that answers the Ex probe (1745) and then refuses
 *         the caller (5) or stops answering (1722) when asked the classic way. Any WTS call can fail
 *         so, with GetLastError telling why (Microsoft's pages of each function); this only picks
 *         the call.
 *   session <id> <state> <winstation> <user> <domain> <client-name> <address> <logon> <connect>
 *           <disconnect> <lastinput> <current> <locked> <protocol> [reply=<n>|none]
 *           [reply_ms=<n>] [deny=<query,disconnect,logoff,message>] [query_fail=<code>]
 *           [query_fail_class=<n>]
 *       belongs to the preceding server; listed order = Enumerate order; ids unique per server.
 *       state: 0..9 or a name (Active, Connected, ConnectQuery, Shadow, Disconnected, Idle,
 *         Listen, Reset, Down, Init).
 *       user '-' = nobody logged on: _1W pUserName and pDomainName are NULL; WTSUserName and
 *         WTSDomainName return ""; WTSINFO/WTSINFOEX names are empty. client-name '-' -> "".
 *       address: '-' = AddressFamily 0, all zero. IPv4 "a.b.c.d" -> AddressFamily 2, bytes at
 *         Address[2..5]. IPv6 text -> AddressFamily 23, the 16 bytes at Address[2..17] (Cassia's
 *         reading; the doc page shows Address[0]; open item wts-api.md 7.1).
 *         raw:<family>:<hex, up to 40 digits> -> that family and those bytes from Address[0].
 *       times: decimal signed 100-ns FILETIME counts, 0 = never. current 0 -> the real clock at
 *         the time of the query.
 *       locked: 1 = locked, 0 = unlocked, -1 = unknown. SessionFlags = 0 (LOCK) / 1 (UNLOCK) /
 *         -1 (UNKNOWN); reversed (0<->1) when the server has version=6.1.
 *       protocol: WTSClientProtocolType (0 console, 1 ICA, 2 RDP).
 *       WTSClientInfo (23) gives a WTSCLIENTW built from the same fields: ClientName = client-name,
 *         UserName/Domain = user/domain, ClientAddressFamily = the address's family, and
 *         ClientAddress (USHORTs) = for AF_INET the dotted text as UTF-16 with a NUL ("string
 *         format" in Microsoft's WTSCLIENT remarks); for AF_INET6 the 16 address bytes from the
 *         array's first byte ("binary form": Microsoft gives no offset, so this placement is the
 *         double's guess, see wts-api.md 7.6); for a raw: address its bytes verbatim. HRes, VRes,
 *         ColorDepth as WTSClientDisplay; ClientBuildNumber as class 9; ClientProductId as
 *         class 12; EncryptionLevel 2 for RDP; the paths and DeviceId empty.
 *       reply / reply_ms: WTSSendMessageW with bWait=1 waits reply_ms (lock released) and returns
 *         *pResponse=reply (default IDOK=1, 0 ms). If reply=none, or Timeout>0 and
 *         reply_ms >= Timeout*1000: waits Timeout seconds (Timeout 0: reply_ms) and returns
 *         IDTIMEOUT 32000. bWait=0 -> IDASYNC 32001 at once.
 *       deny: those operations fail with 5 on this session.
 *       query_fail: every WTSQuerySessionInformationW on this session fails with this Win32 code
 *         (only queries of class query_fail_class when given), though the enumerations list it:
 *         7022 is a session that ended right after the enumeration, 1722 a server that stopped
 *         answering between two calls, 50 a class this server does not have.
 *   console <id|none>      (after a server; only the local server's value is used)
 *       WTSGetActiveConsoleSessionId result; none -> 0xFFFFFFFF. Default: the id of the first
 *       local session whose winstation is "Console", else 0xFFFFFFFF.
 *   self <id>              the caller's session: WTS_CURRENT_SESSION on the local server and
 *                          ProcessIdToSessionId(getpid()). Default: the console session.
 *   process <pid> <id>     ProcessIdToSessionId(pid) -> id. Unknown pid -> FALSE, 87.
 *   proc <session> <pid> <name> <user> <domain> <threads> <handles> <pagefile> <peakpagefile>
 *        <workingset> <peakworkingset> <usertime> <kerneltime>
 *       a process of the preceding server, for WTSEnumerateProcessesExW level 1 (listed order).
 *       user '-': pUserSid NULL. Otherwise pUserSid is S-1-5-21-4242-<server index>-<1000 + index
 *       of the server's first proc of the same user and domain>, which LookupAccountSidW turns
 *       back into user and domain.
 * A bad line is skipped and logged as `fixture_error`.
 *
 * Counters in WTSINFOW/WTSINFOEX: IncomingBytes=100000+id, OutgoingBytes=200000+id,
 * IncomingFrames=300000+id, OutgoingFrames=400000+id, IncomingCompressedBytes=500000+id,
 * OutgoingCompressedBytes=600000+id (distinct so that a wrong offset is visible).
 * _1W: ExecEnvId = 1000+index in the list (never equal to SessionId), pHostName = pFarmName = NULL.
 *
 * ============================== LOG FORMAT ==============================
 * File named by env WTSDOUBLE_LOG (unset: no log). One line per event, appended and flushed
 * (open/write/close) under the double's lock, so lines never interleave:
 *   <event> t=<unix microseconds> tid=<OS thread id> key=value ...
 * Values: decimal numbers, 0x-hex pointers/handles, or strings percent-encoded UTF-8 where only
 * [A-Za-z0-9_.~] stay literal and a bare '-' means NULL/absent (decode with decodeURIComponent).
 *   load path=<s> servers=<n> sessions=<n>
 *   fixture_error line=<n> reason=<s>
 *   open fn=WTSOpenServerW|WTSOpenServerExW server=<s> handle=0x..
 *   close handle=0x.. server=<s|-> ok=<0|1>                  (ok=0: not an open handle)
 *   call fn=WTSEnumerateSessionsW|WTSEnumerateSessionsExW|WTSQuerySessionInformationW
 *        server=<s> session=<n|-> class=<n|-> count=<n> ok=<0|1> error=<n> t0=<us> t1=<us>
 *   alloc ptr=0x.. kind=sessions|sessions1|query fn=<s> count=<n> bytes=<n>
 *   free ptr=0x.. fn=WTSFreeMemory|WTSFreeMemoryExW kind=<k> type=<n|-> count=<n|->
 *   badfree ptr=0x.. fn=<s> kind=<k|-> type=<n|-> count=<n|-> reason=<s>   (NOT freed)
 *   disconnect fn=WTSDisconnectSession server=<s> session=<n> wait=<n> ok= error= t0= t1=
 *   logoff fn=WTSLogoffSession server=<s> session=<n> wait=<n> ok= error= t0= t1=
 *   message fn=WTSSendMessageW server=<s> session=<n> title_bytes=<n> message_bytes=<n>
 *        style=<n> timeout=<n> wait=<n> response=<n> title=<s> message=<s> title_hex=<hex|->
 *        message_hex=<hex|-> ok= error= t0= t1=
 *        (title/message: the UTF-16 units within the given BYTE length, stopping early at a NUL;
 *         *_hex: those units as UTF-16LE bytes)
 *   console session=<n>                                       (WTSGetActiveConsoleSessionId)
 *   pid pid=<n> session=<n> ok=<0|1> error=<n>                (ProcessIdToSessionId)
 *   lookup fn=LookupAccountSidW system=<s|-> sid=<S-1-5-...> name=<s|-> ok=<0|1> error=<n>
 *   (WTSEnumerateProcessesExW is a `call` event with session= the id asked and count=; its buffer
 *    is an alloc of kind=processes1, to be freed with WTSFreeMemoryExW type=1 count=<n>)
 *   lock fn=LockWorkStation session=<n> ok=<0|1> error=<n>    (the caller's session, locked)
 * session= in call/action events is the resolved id (WTS_CURRENT_SESSION resolved via `self`).
 */

#endif
