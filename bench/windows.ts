/**
 * Benchmarks of the Windows backend, against the C test double of wtsapi32 (the same koffi
 * bindings and worker pool as on Windows; the double makes every call that reaches a server wait
 * its latency):
 *  1. fan-out over 500 hosts with 50 ms per call, one session each: cold (the first call of a fresh
 *     PowerShell, so the helper and its worker threads start during it) and warm (the same call
 *     again), against the same hosts asked one at a time, and warm with as many hosts at once as
 *     the pool has workers;
 *  2. one list of 5,000 sessions from one host, end to end in PowerShell (helper start excluded),
 *     and where its time goes (breakdown.ts).
 */
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { benchBreakdown, session } from './breakdown.ts';
import { pwshResult, ratio } from './pwsh-json.ts';
import { buildDouble, writeFixture, type FixtureServer } from '../tests/wts/support/double.ts';

const HOSTS = 500;
const LATENCY_MS = 50;
const THROTTLE = 32;
/** The WTS pool's size (src/backend/wts/index.ts): more hosts at once than workers only wait. */
const WIDE = 64;

export async function benchWindows(): Promise<void> {
  const dir = makeTempDir('st-bench-wts-');
  try {
    const fixture = join(dir, 'fixture');
    const env = { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture };

    const hosts: FixtureServer[] = Array.from({ length: HOSTS }, (_, i) => ({ name: `srv${i}`, latencyMs: LATENCY_MS, sessions: [session(2, i)] }));
    writeFixture(fixture, hosts);
    const list = hosts.map((h) => `'${h.name}'`).join(',');
    const fan = await pwshResult<{ Cold: number; Warm: number; Wide: number; Serial: number; A: number; B: number; C: number; D: number; Errors: number }>(`${IMPORT}
$hosts = @(${list})
$w = [System.Diagnostics.Stopwatch]::StartNew(); $a = @(Get-UserSession -ComputerName $hosts -ThrottleLimit ${THROTTLE} -ErrorVariable e1 -ErrorAction SilentlyContinue); $cold = $w.Elapsed.TotalMilliseconds
$w = [System.Diagnostics.Stopwatch]::StartNew(); $b = @(Get-UserSession -ComputerName $hosts -ThrottleLimit ${THROTTLE} -ErrorVariable e2 -ErrorAction SilentlyContinue); $warm = $w.Elapsed.TotalMilliseconds
$w = [System.Diagnostics.Stopwatch]::StartNew(); $d = @(Get-UserSession -ComputerName $hosts -ThrottleLimit ${WIDE} -ErrorVariable e3 -ErrorAction SilentlyContinue); $wide = $w.Elapsed.TotalMilliseconds
$w = [System.Diagnostics.Stopwatch]::StartNew(); $c = @(foreach ($h in $hosts) { Get-UserSession -ComputerName $h }); $serial = $w.Elapsed.TotalMilliseconds
Write-BenchResult ([pscustomobject] @{ Cold = $cold; Warm = $warm; Wide = $wide; Serial = $serial; A = $a.Count; B = $b.Count; C = $c.Count; D = $d.Count; Errors = $e1.Count + $e2.Count + $e3.Count })`, { env, timeoutMs: 900_000 });
    console.log(
      `fan-out over ${HOSTS} hosts (${LATENCY_MS} ms per call, -ThrottleLimit ${THROTTLE}): cold ${fan.Cold.toFixed(0)} ms (helper and workers starting), ` +
        `warm ${fan.Warm.toFixed(0)} ms, for ${fan.A}/${fan.B} sessions and ${fan.Errors} errors (aim <= 1500 ms); ` +
        `one host at a time: ${fan.Serial.toFixed(0)} ms for ${fan.C}; one at a time / warm = ${ratio(fan.Serial, fan.Warm)} (aim >= 80x); ` +
        `warm at -ThrottleLimit ${WIDE} (the pool's size): ${fan.Wide.toFixed(0)} ms for ${fan.D}, one at a time / that = ${ratio(fan.Serial, fan.Wide)}`,
    );

    writeFixture(fixture, [{ name: '.', sessions: Array.from({ length: 5000 }, (_, i) => session(i + 1, i)) }]);
    const big = await pwshResult<{ Median: number; Count: number }>(`${IMPORT}
$null = Get-UserSession -Id 1
$times = [System.Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt 5; $i++) { $w = [System.Diagnostics.Stopwatch]::StartNew(); $s = @(Get-UserSession); $times.Add($w.Elapsed.TotalMilliseconds) }
$arr = $times.ToArray(); [Array]::Sort($arr)
Write-BenchResult ([pscustomobject] @{ Median = $arr[2]; Count = $s.Count })`, { env, timeoutMs: 600_000 });
    console.log(`one list of ${big.Count} sessions from one host, in PowerShell: median ${big.Median.toFixed(0)} ms of 5 (aim <= 150 ms)`);
    await benchBreakdown();
  } finally {
    removeDir(dir);
  }
}
