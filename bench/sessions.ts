/**
 * 1,000 sessions logged off in one pipeline against the same 1,000 ended by one `kill` each, from
 * the same PowerShell, as a ratio, with the floor beside it (signal and confirm alone:
 * bench/logoff-floor.ts), all measured in the same rounds; leaders are real processes the bench
 * starts, recorded in a utmp file it writes with glibc's struct utmp; plus the number of RPCs it
 * cost. Medians of ROUNDS rounds; the load average (1 minute) before and after says how busy the
 * machine was.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { logoffFloor } from './logoff-floor.ts';
import { median, ms, pwshResult, ratio } from './pwsh-json.ts';

const ROUNDS = 3;

interface Round {
  pipeline: number;
  /** CPU time of PowerShell and of the helper during the pipeline (less at the mercy of the load than its wall time). */
  psCpu: number;
  helperCpu: number;
  rpcs: number;
  pipelineEnded: number;
  kills: number;
  killsEnded: number;
  floorPidfd: number | null;
  floorKill: number;
}

async function round(writer: string, utmp: string): Promise<Round> {
  const env = { SESSIONTOOLS_UTMP_PATH: utmp };
  const prepare = async (): Promise<number[]> => {
    const pids: number[] = [];
    for (let i = 0; i < 1000; i += 100) pids.push(...(await Promise.all(Array.from({ length: 100 }, () => startLeader('plain')))));
    writeUtmp(writer, utmp, pids.map((pid, i) => ({ pid, line: `pts/${1000 + i}`, user: `bench${i}`, loginMs: Date.now() })));
    return pids;
  };

  let pids = await prepare();
  const pipeline = await pwshResult<{ Ms: number; Rpcs: number; PsCpu: number; HelperCpu: number }>(`${IMPORT}
$null = Get-UserSession -Id 1 -ErrorAction SilentlyContinue  # warm: helper started
$client = [SessionTools.Rpc.HelperClient]::Instances[-1]
function Get-HelperCpu { $f = Get-Content "/proc/$($client.ProcessId)/stat" -Raw; $r = $f.Substring($f.LastIndexOf(')') + 2).Split(' '); ([double] $r[11] + [double] $r[12]) * 1000 / $ticks }
$ticks = [double] (& getconf CLK_TCK)
$me = [System.Diagnostics.Process]::GetCurrentProcess()
$before = $client.RequestsSent
$h0 = Get-HelperCpu; $me.Refresh(); $p0 = $me.TotalProcessorTime.TotalMilliseconds
$w = [System.Diagnostics.Stopwatch]::StartNew()
Get-UserSession | Stop-UserSession -Force -Wait
$elapsed = $w.Elapsed.TotalMilliseconds
$me.Refresh(); $p1 = $me.TotalProcessorTime.TotalMilliseconds; $h1 = Get-HelperCpu
Write-BenchResult ([pscustomobject] @{ Ms = $elapsed; Rpcs = $client.RequestsSent - $before; PsCpu = $p1 - $p0; HelperCpu = $h1 - $h0 })`, { env, timeoutMs: 300_000 });
  const pipelineEnded = pids.filter(isGone).length;
  stopAll();

  pids = await prepare();
  const kills = await pwshResult<{ Ms: number }>(`$w = [System.Diagnostics.Stopwatch]::StartNew()
foreach ($p in ${pids.join(',')}) { & /bin/kill $p }
Write-BenchResult ([pscustomobject] @{ Ms = $w.Elapsed.TotalMilliseconds })`, { env, timeoutMs: 300_000 });
  const killsEnded = pids.filter(isGone).length;
  stopAll();

  const floor = await logoffFloor();
  return { pipeline: pipeline.Ms, psCpu: pipeline.PsCpu, helperCpu: pipeline.HelperCpu, rpcs: pipeline.Rpcs, pipelineEnded, kills: kills.Ms, killsEnded, floorPidfd: floor.pidfd, floorKill: floor.kill };
}

async function thousandLogoffs(): Promise<void> {
  const dir = makeTempDir('st-bench-');
  try {
    const writer = buildUtmpWriter(dir);
    const utmp = join(dir, 'utmp');
    const loadBefore = loadavg()[0] as number;
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(writer, utmp));
    const loadAfter = loadavg()[0] as number;
    const m = (f: (r: Round) => number): number => median(rounds.map(f));
    const pidfd = rounds.every((r) => r.floorPidfd !== null) ? m((r) => r.floorPidfd as number) : null;
    console.log(
      `1,000 sessions (median of ${ROUNDS} rounds; load ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after): ` +
        `\`Get-UserSession | Stop-UserSession -Force -Wait\` ${ms(m((r) => r.pipeline))} in ${Math.max(...rounds.map((r) => r.rpcs))} RPCs ` +
        `(CPU: PowerShell ${ms(m((r) => r.psCpu))}, helper ${ms(m((r) => r.helperCpu))}) ` +
        `(${Math.min(...rounds.map((r) => r.pipelineEnded))} ended); one \`kill\` per session: ${ms(m((r) => r.kills))} ` +
        `(${Math.min(...rounds.map((r) => r.killsEnded))} ended); kill/pipeline = ${ratio(m((r) => r.kills / r.pipeline), 1)} (aim >= 10x; the RPCs: the listing, then one log-off)`,
    );
    console.log(
      `  floor beside it (signal and confirm alone, standalone, same rounds): pidfd_open + pidfd_send_signal + poll ` +
        `${pidfd === null ? 'not available here' : ms(pidfd)}; kill + shared /proc look ${ms(m((r) => r.floorKill))}; ` +
        `pipeline/floor = ${ratio(m((r) => r.pipeline / Math.min(r.floorPidfd ?? Infinity, r.floorKill)), 1)}; ` +
        `per round (pipeline, kill, floor): ${rounds.map((r) => `${r.pipeline.toFixed(0)}/${r.kills.toFixed(0)}/${Math.min(r.floorPidfd ?? Infinity, r.floorKill).toFixed(0)}`).join(', ')} ms`,
    );
  } finally {
    stopAll();
    removeDir(dir);
  }
}

export async function benchSessions(): Promise<void> {
  await thousandLogoffs();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSessions(); // `npx tsx bench/sessions.ts` alone
