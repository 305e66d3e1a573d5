/**
 * SessionTools in the PowerShell under test (the pinned pwsh, or $SESSIONTOOLS_PWSH), as ratios
 * measured in this one run:
 *  1. cold: `pwsh -NoProfile -Command 'Import-Module ...; Get-UserSession'` against
 *     `pwsh -NoProfile -Command 'who'` (whole processes, alternated, median of 7 each);
 *  2. warm: Get-UserSession against `who` from the same PowerShell, after 300 calls of each so that
 *     PowerShell has compiled the functions (median of the next 300).
 * Both list this machine's real sessions (/run/utmp).
 */
import { IMPORT } from '../tests/support/module.ts';
import { pwshCommand, runPwsh } from '../tests/support/pwsh.ts';
import { median, ms, pwshResult, ratio } from './pwsh-json.ts';

const WHO = '/usr/bin/who';

async function cold(): Promise<void> {
  const module: number[] = [];
  const who: number[] = [];
  for (let i = 0; i < 8; i++) {
    const a = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', `${IMPORT}; $null = Get-UserSession`]);
    const b = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', `$null = & ${WHO}`]);
    if (a.exitCode !== 0 || b.exitCode !== 0) throw new Error(`cold run failed: ${a.stderr}${b.stderr}`);
    if (i === 0) continue; // the first pair warms the disk cache
    module.push(a.durationMs);
    who.push(b.durationMs);
  }
  const m = median(module);
  const w = median(who);
  console.log(`cold, whole process: Import-Module + Get-UserSession ${ms(m)}; \`who\` ${ms(w)}; module/who = ${ratio(m, w)}; the module costs ${ms(m - w)} over \`who\``);
}

async function warm(): Promise<void> {
  const o = await pwshResult<{ Get: number; Who: number; Sessions: number }>(`${IMPORT}
function Time([scriptblock] $Block, [int] $N) {
  $t = [double[]]::new($N)
  for ($i = 0; $i -lt $N; $i++) { $w = [System.Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $t[$i] = $w.Elapsed.TotalMilliseconds }
  [Array]::Sort($t); $t[[int]($N / 2)]
}
$get = { Get-UserSession }; $who = { & ${WHO} }
$null = Time $get 300; $null = Time $who 300
Write-BenchResult ([pscustomobject] @{ Get = (Time $get 300); Who = (Time $who 300); Sessions = @(Get-UserSession).Count })`, { timeoutMs: 600_000 });
  console.log(`warm (after 300 calls), ${o.Sessions} sessions: Get-UserSession median ${ms(o.Get)}; \`who\` from the same PowerShell ${ms(o.Who)}; who/Get-UserSession = ${ratio(o.Who, o.Get)}`);
}

export async function benchPowerShell(): Promise<void> {
  const probe = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()']);
  console.log(`PowerShell under test: ${pwshCommand().file} (${probe.stdout.trim()})`);
  await cold();
  await warm();
}
