/**
 * Picks the backend for this platform: Windows (or any platform with SESSIONTOOLS_WTSAPI_PATH set,
 * which names one library with wtsapi32's ABI, e.g. the test double) uses WTS; Linux reads utmp.
 * SESSIONTOOLS_LOGOFF_TIMING_MS (tests) sets the Linux logoff's grace periods; a malformed value
 * throws, on every platform, so that the helper fails to start instead of ignoring it.
 */
import type { Backend } from './backend.ts';
import { createLinuxBackend, parseLogoffTiming } from './linux/index.ts';
import { createWtsBackend } from './wts/index.ts';

const TIMING_VAR = 'SESSIONTOOLS_LOGOFF_TIMING_MS';

export function selectBackend(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Backend {
  const timingText = env[TIMING_VAR];
  const logoffTiming = timingText ? parseLogoffTiming(timingText, TIMING_VAR) : undefined;
  const wtsapiPath = env.SESSIONTOOLS_WTSAPI_PATH;
  if (wtsapiPath || platform === 'win32') return createWtsBackend({ libraryPath: wtsapiPath || null });
  if (platform === 'linux') return createLinuxBackend({ logoffTiming });
  throw new Error(`SessionTools has no backend for the platform '${platform}'.`);
}
