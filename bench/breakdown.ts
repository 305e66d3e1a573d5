/**
 * Where the time of one listing of 5,000 sessions goes (against the wtsapi32 double, no latency):
 * the helper alone, started as the module starts it (a Node client writes the request and reads the answer line), then in
 * PowerShell the whole Get-UserSession, split into the CPU the helper process spent on it and the
 * CPU PowerShell spent (reading the answer, building the objects, the pipeline). CPU times come
 * from /proc, per thread (schedstat, in nanoseconds, where a thread is measured alone), so they
 * hold on a machine busy with other work, where wall times do not:
 * the helper's main thread (the request, IsCurrent, the JSON text, the pipe) apart from its other
 * threads (the WTS workers: native calls, decoding, building the sessions; V8's and libuv's
 * helpers), and PowerShell's pipeline thread (reading the answer, the objects, the pipeline) apart
 * from its other threads (in a PowerShell started for the run, mostly .NET's background tiered JIT
 * recompiling PowerShell's own code, and the GC). Medians of 7 after two warm-up calls.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_SCRIPT, HelperProcess, PROTOCOL_VERSION, ROOT, stopAllHelpers } from '../tests/helper/support.ts';
import { MODULE_THREADPOOL_SIZE } from '../tests/helper/wts-double.ts';
import { makeTempDir, removeDir } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { buildDouble, toFileTime, writeFixture, type FixtureSession } from '../tests/wts/support/double.ts';
import { median, ms, pwshResult } from './pwsh-json.ts';

export const SESSIONS = 5000;

/** One RDP session of the fixture: user, client and address from `i`, idle up to two hours. */
export const session = (id: number, i: number): FixtureSession => ({
  id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${i}`, domain: 'CONTOSO', clientName: `WS-${i}`,
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, logon: toFileTime(new Date(Date.now() - 3_600_000)),
  connect: toFileTime(new Date(Date.now() - 3_600_000)), lastInput: toFileTime(new Date(Date.now() - (i % 120) * 60_000)), protocol: 2,
});

/** The environment of a helper on the double whose computer has SESSIONS sessions (a fixture written in `dir`). */
export function manySessions(dir: string): Record<string, string> {
  const fixture = join(dir, 'fixture');
  writeFixture(fixture, [{ name: '.', sessions: Array.from({ length: SESSIONS }, (_, i) => session(i + 1, i)) }]);
  return { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture };
}

/** CPU milliseconds (user + system) in a /proc stat file: utime and stime, in clock ticks of 10 ms (USER_HZ 100). */
function statCpuMs(path: string): number {
  const text = readFileSync(path, 'latin1');
  const fields = text.slice(text.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU milliseconds (user + system, all threads) process `pid` has used so far. */
export function cpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU milliseconds a thread has run, from its schedstat (nanoseconds on the CPU, user and system
 * together): tens of microseconds where stat's ticks are 10 ms, which a 20 ms thread cannot afford.
 */
function runMs(task: string): number {
  return Number(readFileSync(`${task}/schedstat`, 'latin1').split(' ')[0]) / 1e6;
}

/** CPU milliseconds process `pid` has used so far: its main thread, and its other threads (those alive now). */
function threadCpuMs(pid: number): { main: number; others: number } {
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    try {
      others += runMs(`/proc/${pid}/task/${tid}`);
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main: runMs(`/proc/${pid}/task/${pid}`), others };
}

/** Node's options for the helper, as the module passes them: read from the one place they are set, HelperProcess.cs. */
const MODULE_NODE_OPTIONS = ((): string[] => {
  const source = readFileSync(join(ROOT, 'src', 'dotnet', 'SessionTools.Types', 'Client', 'HelperProcess.cs'), 'utf8');
  const value = /const string NodeOptions = "([^"]*)";/.exec(source)?.[1];
  if (value === undefined) throw new Error('HelperProcess.cs sets no NodeOptions');
  return value.split(' ').filter(Boolean);
})();

/** The helper started as the module starts it (its Node options and UV_THREADPOOL_SIZE), with a Node client. */
async function helperAlone(env: Record<string, string>): Promise<{ wall: number; cpu: number; main: number; others: number }> {
  const helper = HelperProcess.start({ env: { UV_THREADPOOL_SIZE: MODULE_THREADPOOL_SIZE, ...env }, from: { args: [...MODULE_NODE_OPTIONS, HELPER_SCRIPT], cwd: ROOT } });
  try {
    const wall: number[] = [];
    const cpu: number[] = [];
    const main: number[] = [];
    const others: number[] = [];
    for (let i = 0; i < 9; i++) {
      const c0 = cpuMs(helper.pid);
      const t0 = threadCpuMs(helper.pid);
      const w0 = performance.now();
      const answer = (await helper.call('sessions.list', {}, i + 1, 120_000)) as { result?: { Items: unknown[] } };
      if (answer.result?.Items.length !== SESSIONS) throw new Error(`the helper listed ${answer.result?.Items.length} sessions`);
      if (i < 2) continue;
      wall.push(performance.now() - w0);
      cpu.push(cpuMs(helper.pid) - c0);
      const t1 = threadCpuMs(helper.pid);
      main.push(t1.main - t0.main);
      others.push(t1.others - t0.others);
    }
    return { wall: median(wall), cpu: median(cpu), main: median(main), others: median(others) };
  } finally {
    await stopAllHelpers();
  }
}

export async function benchBreakdown(): Promise<void> {
  const dir = makeTempDir('st-bench-breakdown-');
  try {
    const env = manySessions(dir);
    const alone = await helperAlone(env);
    const o = await pwshResult<{ Wall: number; Cpu: number; PipelineCpu: number; HelperCpu: number; First: number; Count: number }>(`${IMPORT}
function Run([string] $Task) { [double] (([IO.File]::ReadAllText("$Task/schedstat") -split ' ')[0]) / 1e6 }
function Cpu([string] $Stat) { $t = [IO.File]::ReadAllText($Stat); $f = $t.Substring($t.LastIndexOf(') ') + 2) -split ' '; ([long] $f[11] + [long] $f[12]) * 10 }
$me = [System.Diagnostics.Process]::GetCurrentProcess()
$null = Get-UserSession -Id 1; $null = @(Get-UserSession)
$helper = [SessionTools.Rpc.HelperClient]::Instances[-1].ProcessId
$wall = [Collections.Generic.List[double]]::new(); $cpu = [Collections.Generic.List[double]]::new(); $pcpu = [Collections.Generic.List[double]]::new(); $hcpu = [Collections.Generic.List[double]]::new(); $first = [Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt 7; $i++) {
  $me.Refresh(); $c0 = $me.TotalProcessorTime.TotalMilliseconds; $h0 = Cpu "/proc/$helper/stat"; $p0 = Run '/proc/thread-self'
  $w = [System.Diagnostics.Stopwatch]::StartNew()
  $s = @(Get-UserSession)
  $wall.Add($w.Elapsed.TotalMilliseconds)
  $pcpu.Add((Run '/proc/thread-self') - $p0)
  $me.Refresh(); $cpu.Add($me.TotalProcessorTime.TotalMilliseconds - $c0); $hcpu.Add((Cpu "/proc/$helper/stat") - $h0)
  $w = [System.Diagnostics.Stopwatch]::StartNew(); $null = Get-UserSession | Select-Object -First 1; $first.Add($w.Elapsed.TotalMilliseconds)
}
function Median($xs) { $a = $xs.ToArray(); [Array]::Sort($a); $a[[int][Math]::Floor($a.Length / 2)] }
Write-BenchResult ([pscustomobject] @{ Wall = Median $wall; Cpu = Median $cpu; PipelineCpu = Median $pcpu; HelperCpu = Median $hcpu; First = Median $first; Count = $s.Count })`, { env, timeoutMs: 600_000 });
    console.log(
      `where the ${o.Count} sessions of one listing go: the helper alone (started as the module starts it: ${MODULE_NODE_OPTIONS.join(' ')}) ${ms(alone.wall)} (${alone.cpu} ms CPU: its main thread ${alone.main.toFixed(1)} ms, ` +
        `its other threads, the WTS workers first, ${alone.others.toFixed(1)} ms); in PowerShell ${ms(o.Wall)} (with Select-Object -First 1: ${ms(o.First)}), ` +
        `of which the helper's CPU ${o.HelperCpu} ms and PowerShell's own CPU ${o.Cpu.toFixed(0)} ms (its pipeline thread ${o.PipelineCpu.toFixed(1)} ms, ` +
        `its other threads ${(o.Cpu - o.PipelineCpu).toFixed(0)} ms: in a PowerShell started for the run, mostly .NET recompiling PowerShell's own code)`,
    );
  } finally {
    removeDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBreakdown(); // `npx tsx bench/breakdown.ts` alone
