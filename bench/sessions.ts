/**
 * 1,000 sessions logged off in one pipeline against the same 1,000 ended by one `kill` each, from
 * the same PowerShell, as a ratio from one run; leaders are real processes the bench starts,
 * recorded in a utmp file it writes with glibc's struct utmp; plus the number of RPCs it cost.
 */
import { join } from 'node:path';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { ms, pwshResult, ratio } from './pwsh-json.ts';

async function thousandLogoffs(): Promise<void> {
  const dir = makeTempDir('st-bench-');
  try {
    const writer = buildUtmpWriter(dir);
    const utmp = join(dir, 'utmp');
    const env = { SESSIONTOOLS_UTMP_PATH: utmp };
    const prepare = async (): Promise<number[]> => {
      const pids: number[] = [];
      for (let i = 0; i < 1000; i += 100) pids.push(...(await Promise.all(Array.from({ length: 100 }, () => startLeader('plain')))));
      writeUtmp(writer, utmp, pids.map((pid, i) => ({ pid, line: `pts/${1000 + i}`, user: `bench${i}`, loginMs: Date.now() })));
      return pids;
    };

    let pids = await prepare();
    const pipeline = await pwshResult<{ Ms: number; Rpcs: number }>(`${IMPORT}
$null = Get-UserSession -Id 1 -ErrorAction SilentlyContinue  # warm: helper started
$client = [SessionTools.Rpc.HelperClient]::Instances[-1]
$before = $client.RequestsSent
$w = [System.Diagnostics.Stopwatch]::StartNew()
Get-UserSession | Stop-UserSession -Force -Wait
$elapsed = $w.Elapsed.TotalMilliseconds
Write-BenchResult ([pscustomobject] @{ Ms = $elapsed; Rpcs = $client.RequestsSent - $before })`, { env, timeoutMs: 300_000 });
    const pipelineGone = pids.filter(isGone).length;
    stopAll();

    pids = await prepare();
    const kills = await pwshResult<{ Ms: number }>(`$w = [System.Diagnostics.Stopwatch]::StartNew()
foreach ($p in ${pids.join(',')}) { & /bin/kill $p }
Write-BenchResult ([pscustomobject] @{ Ms = $w.Elapsed.TotalMilliseconds })`, { env, timeoutMs: 300_000 });
    const killsGone = pids.filter(isGone).length;
    stopAll();

    console.log(
      `1,000 sessions: \`Get-UserSession | Stop-UserSession -Force -Wait\` ${ms(pipeline.Ms)} in ${pipeline.Rpcs} RPCs (${pipelineGone} ended); ` +
        `one \`kill\` per session: ${ms(kills.Ms)} (${killsGone} ended); kill/pipeline = ${ratio(kills.Ms, pipeline.Ms)} (aim >= 10x, <= 3 RPCs)`,
    );
  } finally {
    stopAll();
    removeDir(dir);
  }
}

export async function benchSessions(): Promise<void> {
  await thousandLogoffs();
}
