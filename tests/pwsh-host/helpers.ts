/** Small helpers shared by the pwsh-host suites. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Removes terminal escape sequences (colors, cursor moves, keypad mode) from text. */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[=>()][0-9A-Za-z]?/g, '');
}

/** Plain text with all runs of white space (including line breaks) made one space. */
export function squash(text: string): string {
  return stripAnsi(text).replace(/\s+/g, ' ').trim();
}

/** A temporary directory with the given files; remove() deletes it. */
export function tempFiles(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pwsh-host-test-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An advanced function that asks ShouldProcess for each piped name and says which ones it removed,
 * as the SessionTools cmdlets do (ConfirmImpact High, so it always asks unless -Confirm:$false).
 */
export const removeThingFunction = `
function Remove-Thing {
  [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
  param([Parameter(Mandatory, ValueFromPipeline)][string]$Name)
  process {
    if ($PSCmdlet.ShouldProcess($Name, 'Remove')) { "removed $Name" }
  }
}`.trim();
