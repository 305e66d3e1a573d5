/**
 * The server handle for one job: WTS_CURRENT_SERVER_HANDLE (null) for this computer, else one
 * WTSOpenServerExW handle, always closed afterwards.
 */
import type { WtsCalls } from './calls.ts';

export function withServer<T>(calls: WtsCalls, computer: string | null, use: (h: bigint | null) => T): T {
  if (computer === null) return use(null);
  const h = calls.openServer(computer);
  try {
    return use(h);
  } finally {
    calls.closeServer(h);
  }
}
