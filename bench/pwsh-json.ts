/**
 * Runs a script in the PowerShell under test and reads back the one object it reports: the script
 * calls `Write-BenchResult <object>`, which prints one line `BENCH <json>`; everything else (banners,
 * terminal escapes, warnings) is ignored. Plain JSON, no CLIXML: what a complete pwsh writes around
 * its output cannot confuse it.
 */
import { runPwsh } from '../tests/support/pwsh.ts';

const PRELUDE = "function Write-BenchResult($o) { [Console]::Out.WriteLine('BENCH ' + (ConvertTo-Json -InputObject $o -Compress -Depth 5)) }\n";

export async function pwshResult<T>(script: string, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<T> {
  const encoded = Buffer.from(PRELUDE + script, 'utf8').toString('base64');
  const line = `. ([scriptblock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${encoded}'))))\n`;
  const run = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', '-'], { input: line, env: opts.env, timeoutMs: opts.timeoutMs });
  // A complete pwsh may put terminal escapes (keypad mode) on the same line: look for the marker.
  const found = /BENCH (\{.*\})/.exec(run.stdout)?.[1];
  if (run.exitCode !== 0 || found === undefined) {
    throw new Error(`bench script failed (exit ${run.exitCode})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  return JSON.parse(found) as T;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
export const ms = (x: number): string => `${x.toFixed(2)} ms`;
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
