/*
 * wtsapi32-missing.h - the wtsapi32 declarations that Debian bookworm's mingw-w64 (v10)
 * wtsapi32.h does not have yet, written here from Microsoft's documentation (learn.microsoft.com,
 * wtsapi32.h reference: WTS_SESSION_INFO_1W, WTSINFOEX_LEVEL1_W, WTSINFOEX_LEVEL_W, WTSINFOEXW,
 * WTS_TYPE_CLASS, WTSEnumerateSessionsExW, WTSFreeMemoryExW, WTSOpenServerExW, WTS_PROCESS_INFO_EXW,
 * WTSEnumerateProcessesExW), with the documented
 * field types. NOT derived from the project's bindings: compiled with x86_64-w64-mingw32-gcc, it
 * gives the Windows x64 layout that the layout proof checks the bindings against.
 *
 * Include after <wtsapi32.h>. A newer mingw-w64 header already declares these (it defines the
 * WTS_SESSION_INFO_1 name macro), and then this file declares nothing.
 */
#ifndef SESSIONTOOLS_WTSAPI32_MISSING_H
#define SESSIONTOOLS_WTSAPI32_MISSING_H
#ifndef WTS_SESSION_INFO_1

typedef struct _WTS_SESSION_INFO_1W {
  DWORD ExecEnvId;
  WTS_CONNECTSTATE_CLASS State;
  DWORD SessionId;
  LPWSTR pSessionName;
  LPWSTR pHostName;
  LPWSTR pUserName;
  LPWSTR pDomainName;
  LPWSTR pFarmName;
} WTS_SESSION_INFO_1W, *PWTS_SESSION_INFO_1W;

typedef struct _WTSINFOEX_LEVEL1_W {
  ULONG SessionId;
  WTS_CONNECTSTATE_CLASS SessionState;
  LONG SessionFlags;
  WCHAR WinStationName[WINSTATIONNAME_LENGTH + 1];
  WCHAR UserName[USERNAME_LENGTH + 1];
  WCHAR DomainName[DOMAIN_LENGTH + 1];
  LARGE_INTEGER LogonTime;
  LARGE_INTEGER ConnectTime;
  LARGE_INTEGER DisconnectTime;
  LARGE_INTEGER LastInputTime;
  LARGE_INTEGER CurrentTime;
  DWORD IncomingBytes;
  DWORD OutgoingBytes;
  DWORD IncomingFrames;
  DWORD OutgoingFrames;
  DWORD IncomingCompressedBytes;
  DWORD OutgoingCompressedBytes;
} WTSINFOEX_LEVEL1_W, *PWTSINFOEX_LEVEL1_W;

typedef union _WTSINFOEX_LEVEL_W {
  WTSINFOEX_LEVEL1_W WTSInfoExLevel1;
} WTSINFOEX_LEVEL_W, *PWTSINFOEX_LEVEL_W;

typedef struct _WTSINFOEXW {
  DWORD Level;
  WTSINFOEX_LEVEL_W Data;
} WTSINFOEXW, *PWTSINFOEXW;

typedef enum _WTS_TYPE_CLASS {
  WTSTypeProcessInfoLevel0,
  WTSTypeProcessInfoLevel1,
  WTSTypeSessionInfoLevel1
} WTS_TYPE_CLASS;

WINBOOL WINAPI WTSEnumerateSessionsExW(HANDLE hServer, DWORD *pLevel, DWORD Filter, PWTS_SESSION_INFO_1W *ppSessionInfo, DWORD *pCount);
WINBOOL WINAPI WTSFreeMemoryExW(WTS_TYPE_CLASS WTSTypeClass, PVOID pMemory, ULONG NumberOfEntries);
HANDLE WINAPI WTSOpenServerExW(LPWSTR pServerName);

/* WTS_PROCESS_INFO_EXW and WTSEnumerateProcessesExW (learn.microsoft.com, wtsapi32.h reference;
 * Windows 7 / Server 2008 R2). Microsoft declares ppProcessInfo as LPWSTR *. */
typedef struct _WTS_PROCESS_INFO_EXW {
  DWORD SessionId;
  DWORD ProcessId;
  LPWSTR pProcessName;
  PSID pUserSid;
  DWORD NumberOfThreads;
  DWORD HandleCount;
  DWORD PagefileUsage;
  DWORD PeakPagefileUsage;
  DWORD WorkingSetSize;
  DWORD PeakWorkingSetSize;
  LARGE_INTEGER UserTime;
  LARGE_INTEGER KernelTime;
} WTS_PROCESS_INFO_EXW, *PWTS_PROCESS_INFO_EXW;

WINBOOL WINAPI WTSEnumerateProcessesExW(HANDLE hServer, DWORD *pLevel, DWORD SessionId, LPWSTR *ppProcessInfo, DWORD *pCount);

#endif
#endif
