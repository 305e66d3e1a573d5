/**
 * Picks the backend for this platform. Linux reads utmp; Windows (or any platform with
 * SESSIONTOOLS_WTSAPI_PATH set) will use the WTS backend once it lands.
 */
import type { Backend } from './backend.ts';
import { createLinuxBackend } from './linux/index.ts';

export function selectBackend(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Backend {
  if (env.SESSIONTOOLS_WTSAPI_PATH || platform === 'win32') {
    throw new Error('The Windows (WTS) backend is not part of this build yet.');
  }
  if (platform === 'linux') return createLinuxBackend();
  throw new Error(`SessionTools has no backend for the platform '${platform}'.`);
}
