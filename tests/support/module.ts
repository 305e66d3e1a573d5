/** Where the built module is, and the PowerShell line that imports it. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODULE_PSD1 = join(ROOT, 'module', 'SessionTools.psd1');

/** A PowerShell statement importing the module by absolute path, failing loudly. */
export const IMPORT = `Import-Module '${MODULE_PSD1.replace(/'/g, "''")}' -ErrorAction Stop`;

/** The value of a PowerShell object property read back from CLIXML. */
export function prop<T = unknown>(obj: unknown, name: string): T {
  return (obj as Record<string, T>)[name] as T;
}
