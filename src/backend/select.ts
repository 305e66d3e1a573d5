/**
 * Picks the backend for this platform: Windows (or any platform with SESSIONTOOLS_WTSAPI_PATH set,
 * which names one library with wtsapi32's ABI, e.g. the test double) uses WTS; Linux reads utmp.
 */
import type { Backend } from './backend.ts';
import { createLinuxBackend } from './linux/index.ts';
import { createWtsBackend } from './wts/index.ts';

export function selectBackend(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Backend {
  const wtsapiPath = env.SESSIONTOOLS_WTSAPI_PATH;
  if (wtsapiPath || platform === 'win32') return createWtsBackend({ libraryPath: wtsapiPath || null });
  if (platform === 'linux') return createLinuxBackend();
  throw new Error(`SessionTools has no backend for the platform '${platform}'.`);
}
