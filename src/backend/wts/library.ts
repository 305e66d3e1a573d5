/**
 * Loads the libraries and declares every function of abi.ts in them.
 *
 * Windows: wtsapi32.dll, kernel32.dll, user32.dll and advapi32.dll by FULL PATH from the system folder, never by bare name,
 * so no DLL in the working or application folder can stand in for them (koffi.load calls
 * LoadLibraryW with the string as given). The system folder comes from GetSystemDirectoryW, asked
 * of kernel32.dll loaded by bare name: kernel32 is a KnownDLL, which the loader maps from
 * \KnownDlls and never searches for on disk, and it is already in every process. This does not
 * depend on %SystemRoot%, which a caller can leave out of the environment; that and %windir% are
 * only fallbacks if the call fails. (Not run here: Windows cannot run in this environment.)
 *
 * SESSIONTOOLS_WTSAPI_PATH (passed in as `overridePath`): ONE shared library that exports every
 * non-systemOnly function of the table, the kernel32 ones included, with the documented ABI. It is
 * loaded instead, on any platform. Nothing else about it is assumed.
 */
import { join, win32 } from 'node:path';
import koffi from 'koffi';
import { FUNCTIONS, type ApiName, type FunctionName, type WinApi } from './abi.ts';
import { declareFunction } from './koffi-decl.ts';

const MAX_PATH = 260;

/** The Windows system folder (System32 for a 64-bit process). */
function systemDirectory(): string {
  const kernel32 = koffi.load('kernel32.dll');
  const getSystemDirectoryW = declareFunction(kernel32, 'GetSystemDirectoryW');
  const buffer = new Uint16Array(MAX_PATH + 1);
  const length = getSystemDirectoryW(buffer, buffer.length) as number;
  // 0: failure; more than the buffer: the size needed (cannot happen for MAX_PATH + 1).
  if (length > 0 && length < buffer.length) return Buffer.from(buffer.buffer, 0, length * 2).toString('utf16le');
  const root = process.env.SystemRoot ?? process.env.windir ?? 'C:\\Windows';
  return win32.join(root, 'System32');
}

function isApiName(name: FunctionName): name is ApiName {
  return !('systemOnly' in FUNCTIONS[name]);
}

function declareAll(libFor: (dll: (typeof FUNCTIONS)[FunctionName]['dll']) => ReturnType<typeof koffi.load>): WinApi {
  const api: Partial<Record<ApiName, unknown>> = {};
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    if (isApiName(name)) api[name] = declareFunction(libFor(FUNCTIONS[name].dll), name);
  }
  return api as WinApi;
}

/** Every function of the table, from the override library or from the system DLLs. */
export function loadWinApi(overridePath: string | null): WinApi {
  return loadLibraries(overridePath).api;
}

/**
 * The same, with a way to let the libraries go again (koffi's unload): only once no call into them
 * is in flight. The main thread's asynchronous calls (async-calls.ts) use it when the backend
 * closes; a worker's libraries go with its thread.
 */
export function loadLibraries(overridePath: string | null): { api: WinApi; unload: () => void } {
  if (overridePath) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(overridePath);
    } catch (e) {
      throw new Error(`Cannot load SESSIONTOOLS_WTSAPI_PATH=${overridePath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { api: declareAll(() => lib), unload: () => lib.unload() };
  }
  if (process.platform !== 'win32') throw new Error('wtsapi32 exists only on Windows; set SESSIONTOOLS_WTSAPI_PATH to use another library.');
  const dir = systemDirectory();
  const libs = { wtsapi32: koffi.load(join(dir, 'wtsapi32.dll')), kernel32: koffi.load(join(dir, 'kernel32.dll')), user32: koffi.load(join(dir, 'user32.dll')), advapi32: koffi.load(join(dir, 'advapi32.dll')) };
  return { api: declareAll((dll) => libs[dll]), unload: () => Object.values(libs).forEach((lib) => lib.unload()) };
}
