/**
 * Toolchain probe for the Wine harness (tests/support/wine.ts), independent of the WTS backend:
 * bundled for Windows like the helper, run by node.exe under wine64. Loads koffi's win32-x64
 * binary, wtsapi32.dll (or SESSIONTOOLS_WTSAPI_PATH) and kernel32.dll, calls
 * WTSEnumerateSessionsW on the local server, and writes ONE JSON line to fd 1 (fs, not
 * process.stdout: that fails with EBADF on pipes under Wine).
 */
import { writeSync } from 'node:fs';
import koffi from 'koffi';

const out = (v: unknown): void => {
  writeSync(1, `${JSON.stringify(v)}\n`);
};

try {
  const wtsPath = process.env.SESSIONTOOLS_WTSAPI_PATH || 'wtsapi32.dll';
  const wts = koffi.load(wtsPath);
  const kernel32 = koffi.load('kernel32.dll');
  const WTS_SESSION_INFOW = koffi.struct('WTS_SESSION_INFOW', { SessionId: 'uint32_t', pWinStationName: 'char16_t *', State: 'int32_t' });
  const enumerate = wts.func('int __stdcall WTSEnumerateSessionsW(void *h, uint32_t reserved, uint32_t version, _Out_ void **pp, _Out_ uint32_t *count)');
  const free = wts.func('void __stdcall WTSFreeMemory(void *p)');
  const getLastError = kernel32.func('uint32_t __stdcall GetLastError()');
  const pp: (bigint | null)[] = [null];
  const count = [0];
  const ok = enumerate(null, 0, 1, pp, count) as number;
  const lastError = ok ? 0 : (getLastError() as number);
  let sessions: unknown[] = [];
  if (ok && pp[0] !== null) {
    try {
      sessions = koffi.decode(pp[0], WTS_SESSION_INFOW, count[0] as number) as unknown[];
    } finally {
      free(pp[0]);
    }
  }
  out({
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    koffi: koffi.version,
    sizeofSessionInfo: koffi.sizeof(WTS_SESSION_INFOW),
    ok: ok !== 0,
    lastError,
    count: count[0],
    sessions,
  });
} catch (e) {
  out({ error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
}
