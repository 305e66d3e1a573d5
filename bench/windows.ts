/**
 * Benchmarks of the Windows backend (issue 5), against the C test double of wtsapi32 (the same
 * koffi bindings and worker pool as on Windows; the double simulates host latency):
 *  1. fan-out over 500 hosts with 50 ms latency each, against the same hosts asked one at a time;
 *  2. one list of 5,000 sessions from one host, end to end in PowerShell (engine start excluded).
 */
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { pwshResult } from './pwsh-json.ts';
import { buildDouble, toFileTime, writeFixture, type FixtureServer, type FixtureSession } from '../tests/wts/support/double.ts';

const session = (id: number, i: number): FixtureSession => ({
  id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${i}`, domain: 'CONTOSO', clientName: `WS-${i}`,
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, logon: toFileTime(new Date(Date.now() - 3_600_000)),
  connect: toFileTime(new Date(Date.now() - 3_600_000)), lastInput: toFileTime(new Date(Date.now() - (i % 120) * 60_000)), protocol: 2,
});

export async function benchWindows(): Promise<void> {
  const dir = makeTempDir('st-bench-wts-');
  try {
    const fixture = join(dir, 'fixture');
    const env = { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture };

    const hosts: FixtureServer[] = Array.from({ length: 500 }, (_, i) => ({ name: `srv${i}`, latencyMs: 50, sessions: [session(2, i)] }));
    writeFixture(fixture, hosts);
    const list = hosts.map((h) => `'${h.name}'`).join(',');
    const fan = await pwshResult<{ Parallel: number; Serial: number; A: number; B: number }>(`${IMPORT}
$hosts = @(${list})
$null = Get-UserSession -ComputerName srv0
$w = [System.Diagnostics.Stopwatch]::StartNew(); $all = @($hosts | Get-UserSession); $parallel = $w.Elapsed.TotalMilliseconds
$w = [System.Diagnostics.Stopwatch]::StartNew(); $one = @(foreach ($h in $hosts) { Get-UserSession -ComputerName $h }); $serial = $w.Elapsed.TotalMilliseconds
Write-BenchResult ([pscustomobject] @{ Parallel = $parallel; Serial = $serial; A = $all.Count; B = $one.Count })`, { env, timeoutMs: 600_000 });
    console.log(
      `fan-out over 500 hosts (50 ms each, -ThrottleLimit 32): ${fan.Parallel.toFixed(0)} ms for ${fan.A} sessions (aim <= 2000 ms); ` +
        `one host at a time: ${fan.Serial.toFixed(0)} ms for ${fan.B}; ratio ${(fan.Serial / fan.Parallel).toFixed(1)}x`,
    );

    writeFixture(fixture, [{ name: '.', sessions: Array.from({ length: 5000 }, (_, i) => session(i + 1, i)) }]);
    const big = await pwshResult<{ Median: number; Count: number }>(`${IMPORT}
$null = Get-UserSession -Id 1
$times = [System.Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt 5; $i++) { $w = [System.Diagnostics.Stopwatch]::StartNew(); $s = @(Get-UserSession); $times.Add($w.Elapsed.TotalMilliseconds) }
$arr = $times.ToArray(); [Array]::Sort($arr)
Write-BenchResult ([pscustomobject] @{ Median = $arr[2]; Count = $s.Count })`, { env, timeoutMs: 600_000 });
    console.log(`one list of ${big.Count} sessions from one host, in PowerShell: median ${big.Median.toFixed(0)} ms of 5 (aim < 300 ms)`);
  } finally {
    removeDir(dir);
  }
}
