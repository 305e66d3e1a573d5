/**
 * Benchmarks of the Windows backend, against the C test double of wtsapi32 (the same koffi
 * bindings and worker pool as on Windows; the double makes every call that reaches a server wait
 * its latency):
 *  1. fan-out over 500 hosts with 50 ms per call, one session each: cold (the first call of a fresh
 *     PowerShell, so the helper starts during it) and warm (the same call again), at several
 *     -ThrottleLimit values (medians of fresh PowerShells), against the same hosts asked one at a
 *     time; and at the default throttle with other UV_THREADPOOL_SIZE values;
 *  2. one list of 5,000 sessions from one host, end to end in PowerShell, the first in a fresh
 *     PowerShell and the steady state (big-listing.ts), and where its time goes (breakdown.ts).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ListSessions } from '../src/protocol/methods.ts';
import { makeTempDir, removeDir } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { benchBigListing } from './big-listing.ts';
import { benchBreakdown, session } from './breakdown.ts';
import { withPackagedModule } from './packaged.ts';
import { median, pwshResult, ratio } from './pwsh-json.ts';

const DEFAULT_THROTTLE = ListSessions.params.ThrottleLimit.default as number;
import { buildDouble, writeFixture, type FixtureServer } from '../tests/wts/support/double.ts';

const HOSTS = 500;
const LATENCY_MS = 50;
/** The -ThrottleLimit values measured; the declared default is among them (methods.ts). */
const THROTTLES = [32, 64, 128, 256, 512];
/** Fresh PowerShells (cold runs) per throttle; the figure is their median. */
const ROUNDS = 3;
/** UV_THREADPOOL_SIZE values compared at the default -ThrottleLimit (the module sets HelperProcess.cs's value). */
const POOLS = ['64', '128', '256', '512'];

export interface FanOut {
  Cold: number;
  Warm: number[];
  /** CPU time of the helper's main thread (its JS and koffi's side of each call) in each warm fan-out, ms. */
  MainCpu: number[];
  /**
   * CPU time of PowerShell's tiered-compilation thread (.NET recompiling the methods PowerShell ran
   * often since it started, in the background, once its pipeline thread waits) during the cold call
   * and during each warm one, ms: on two cores it competes with the helper for the CPU.
   */
  JitCold: number;
  Jit: number[];
  Sessions: number;
  Errors: number;
}

/**
 * In one fresh PowerShell: the first fan-out (cold: helper starting), then `warm` more at the same
 * throttle, each with the CPU time of the helper's main thread (Linux /proc, in clock ticks of 10 ms:
 * a figure less at the mercy of a shared machine's load than the wall clock).
 */
export function fanOutScript(list: string, throttle: number, warm: number, importLine = IMPORT): string {
  return `${importLine}
$hosts = @(${list})
function Get-MainCpu([int] $p) { $f = ([IO.File]::ReadAllText("/proc/$p/task/$p/stat") -split '\\) ', 2)[1] -split ' '; ([double] $f[11] + [double] $f[12]) * 10 }
function Get-JitCpu { $sum = 0.0; foreach ($t in [IO.Directory]::GetDirectories("/proc/$PID/task")) { try { $s = [IO.File]::ReadAllText("$t/stat") } catch { continue }; if ($s.Contains('(.NET Tiered Com')) { $f = ($s -split '\\) ', 2)[1] -split ' '; $sum += ([double] $f[11] + [double] $f[12]) * 10 } }; $sum }
$j0 = Get-JitCpu; $w = [System.Diagnostics.Stopwatch]::StartNew(); $a = @(Get-UserSession -ComputerName $hosts -ThrottleLimit ${throttle} -ErrorVariable e1 -ErrorAction SilentlyContinue); $cold = $w.Elapsed.TotalMilliseconds; $jitCold = (Get-JitCpu) - $j0
$helper = [SessionTools.Rpc.HelperClient]::Instances[-1].ProcessId
$warm = [System.Collections.Generic.List[double]]::new(); $cpu = [System.Collections.Generic.List[double]]::new(); $jit = [System.Collections.Generic.List[double]]::new(); $errors = $e1.Count
for ($i = 0; $i -lt ${warm}; $i++) { $c0 = Get-MainCpu $helper; $j0 = Get-JitCpu; $w = [System.Diagnostics.Stopwatch]::StartNew(); $b = @(Get-UserSession -ComputerName $hosts -ThrottleLimit ${throttle} -ErrorVariable e2 -ErrorAction SilentlyContinue); $warm.Add($w.Elapsed.TotalMilliseconds); $cpu.Add((Get-MainCpu $helper) - $c0); $jit.Add((Get-JitCpu) - $j0); $errors += $e2.Count }
Write-BenchResult ([pscustomobject] @{ Cold = $cold; Warm = $warm.ToArray(); MainCpu = $cpu.ToArray(); JitCold = $jitCold; Jit = $jit.ToArray(); Sessions = $a.Count; Errors = $errors })`;
}

/** PowerShell's tiered-compilation CPU in the cold calls and the warm ones (medians). */
function jitText(runs: FanOut[]): string {
  return `PowerShell's background JIT ${median(runs.map((x) => x.JitCold)).toFixed(0)} ms CPU in the cold call, ${median(runs.flatMap((x) => x.Jit)).toFixed(0)} in a warm one`;
}

export async function benchWindows(): Promise<void> {
  const dir = makeTempDir('st-bench-wts-');
  try {
    const fixture = join(dir, 'fixture');
    const env = { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture };

    const hosts: FixtureServer[] = Array.from({ length: HOSTS }, (_, i) => ({ name: `srv${i}`, latencyMs: LATENCY_MS, sessions: [session(2, i)] }));
    writeFixture(fixture, hosts);
    const list = hosts.map((h) => `'${h.name}'`).join(',');
    const serial = await pwshResult<{ Serial: number; Count: number }>(`${IMPORT}
$hosts = @(${list})
$null = Get-UserSession -ComputerName $hosts[0]
$w = [System.Diagnostics.Stopwatch]::StartNew(); $c = @(foreach ($h in $hosts) { Get-UserSession -ComputerName $h }); $serial = $w.Elapsed.TotalMilliseconds
Write-BenchResult ([pscustomobject] @{ Serial = $serial; Count = $c.Count })`, { env, timeoutMs: 900_000 });
    console.log(`fan-out over ${HOSTS} hosts, ${LATENCY_MS} ms per native call, one session each; load ${loadavg()[0]?.toFixed(2)}`);
    console.log(`  one host at a time (warm helper): ${serial.Serial.toFixed(0)} ms for ${serial.Count} sessions`);
    for (const throttle of THROTTLES) {
      const runs: FanOut[] = [];
      for (let r = 0; r < ROUNDS; r++) runs.push(await pwshResult<FanOut>(fanOutScript(list, throttle, 3), { env, timeoutMs: 600_000 }));
      const cold = median(runs.map((x) => x.Cold));
      const warm = median(runs.flatMap((x) => x.Warm));
      const cpu = median(runs.flatMap((x) => x.MainCpu));
      const bad = runs.filter((x) => x.Sessions !== HOSTS || x.Errors !== 0).length;
      console.log(
        `  -ThrottleLimit ${throttle}${throttle === DEFAULT_THROTTLE ? ' (default)' : ''}: cold ${cold.toFixed(0)} ms, warm ${warm.toFixed(0)} ms (medians of ${ROUNDS} and ${ROUNDS * 3}; aim <= 1500), ` +
          `one at a time / warm = ${ratio(serial.Serial, warm)}, / cold = ${ratio(serial.Serial, cold)} (aim >= 80x); helper main thread ${cpu.toFixed(0)} ms CPU per warm fan-out; ${jitText(runs)}` +
          `${bad ? `; ${bad} runs with missing sessions or errors` : ''}; load ${loadavg()[0]?.toFixed(2)}`,
      );
    }
    // What users run: the release's module, whose helper runs on the Node the release ships (not this
    // machine's, which development mode uses and which starts slower). Same hosts, same default throttle.
    // Then the same with PowerShell's background recompiling off (DOTNET_TieredCompilation=0, set
    // for the PowerShell, not the helper): what PowerShell's own warm-up costs the fan-out.
    await withPackagedModule(async (packaged) => {
      const importLine = `Import-Module '${packaged.psd1.replace(/'/g, "''")}' -ErrorAction Stop`;
      for (const [label, extra] of [['', {}], [' with DOTNET_TieredCompilation=0 for PowerShell', { DOTNET_TieredCompilation: '0' }]] as const) {
        const runs: FanOut[] = [];
        for (let r = 0; r < ROUNDS; r++) runs.push(await pwshResult<FanOut>(fanOutScript(list, DEFAULT_THROTTLE, 3, importLine), { env: { ...env, ...extra }, timeoutMs: 600_000 }));
        const cold = median(runs.map((x) => x.Cold));
        const warm = median(runs.flatMap((x) => x.Warm));
        const bad = runs.filter((x) => x.Sessions !== HOSTS || x.Errors !== 0).length;
        console.log(
          `  the released module (bin/linux-x64, its own Node)${label}, -ThrottleLimit ${DEFAULT_THROTTLE}: cold ${cold.toFixed(0)} ms, warm ${warm.toFixed(0)} ms (medians of ${ROUNDS} and ${ROUNDS * 3}), ` +
            `one at a time / warm = ${ratio(serial.Serial, warm)}, / cold = ${ratio(serial.Serial, cold)} (aim >= 80x); ${jitText(runs)}${bad ? `; ${bad} runs with missing sessions or errors` : ''}; load ${loadavg()[0]?.toFixed(2)}`,
        );
      }
    });
    for (const pool of POOLS) {
      const runs: FanOut[] = [];
      for (let r = 0; r < ROUNDS; r++) runs.push(await pwshResult<FanOut>(fanOutScript(list, DEFAULT_THROTTLE, 3), { env: { ...env, UV_THREADPOOL_SIZE: pool }, timeoutMs: 600_000 }));
      console.log(
        `  UV_THREADPOOL_SIZE ${pool}, -ThrottleLimit ${DEFAULT_THROTTLE}: cold ${median(runs.map((x) => x.Cold)).toFixed(0)} ms, warm ${median(runs.flatMap((x) => x.Warm)).toFixed(0)} ms; load ${loadavg()[0]?.toFixed(2)}`,
      );
    }

    await benchBigListing();
    await benchBreakdown();
  } finally {
    removeDir(dir);
  }
}
