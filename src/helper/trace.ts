/**
 * SESSIONTOOLS_HELPER_TRACE=<file>: the helper appends one line per request it serves to that
 * file, {"method":...,"params":...}, with the params exactly as received (before they are
 * checked). For debugging, and for the test that every cmdlet parameter reaches the helper with
 * its value (tests/module/Wiring.Tests.ps1). Unset (the default), nothing is written.
 */
import { appendFileSync } from 'node:fs';

export function traceRequest(path: string | undefined): ((method: string, params: unknown) => void) | null {
  if (!path) return null;
  return (method, params) => appendFileSync(path, `${JSON.stringify({ method, params: params ?? null })}\n`);
}
