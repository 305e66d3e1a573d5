/**
 * Benchmarks of the walking skeleton (issue 4), from one run, as ratios:
 *  1. a warm Get-UserSession against `who` run from the same PowerShell (medians of 20);
 *  2. Import-Module + the first Get-UserSession over the engine's bare start (medians of 5 cold runs);
 *  3. 1,000 sessions logged off in one pipeline against the same 1,000 ended by one `kill` each,
 *     from the same PowerShell; leaders are real processes the bench starts, recorded in a utmp
 *     file it writes with glibc's struct utmp; plus the number of RPCs the pipeline cost.
 */
import { join } from 'node:path';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { pwshObjects, runPwsh } from '../tests/support/pwsh.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}x`;

async function warmListVersusWho(): Promise<void> {
  const [o] = (await pwshObjects(`${IMPORT}
$null = Get-UserSession
$who = [System.Collections.Generic.List[double]]::new(); $get = [System.Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt 20; $i++) {
  $w = [System.Diagnostics.Stopwatch]::StartNew(); $null = Get-UserSession; $get.Add($w.Elapsed.TotalMilliseconds)
  $w = [System.Diagnostics.Stopwatch]::StartNew(); $null = & /usr/bin/who; $who.Add($w.Elapsed.TotalMilliseconds)
}
[pscustomobject] @{ Get = $get.ToArray(); Who = $who.ToArray(); Sessions = @(Get-UserSession).Count }`)) as { Get: number[]; Who: number[]; Sessions: number }[];
  const get = median(o!.Get);
  const who = median(o!.Who);
  console.log(`warm Get-UserSession (${o!.Sessions} sessions in /run/utmp): median ${ms(get)}; \`who\` from the same PowerShell: ${ms(who)}; who/Get-UserSession = ${ratio(who, get)} (aim >= 10x)`);
}

async function importCost(): Promise<void> {
  const bare: number[] = [];
  const withModule: number[] = [];
  for (let i = 0; i < 5; i++) {
    bare.push((await runPwsh(['-NoProfile', '-NonInteractive', '-Command', '1'])).durationMs);
    withModule.push((await runPwsh(['-NoProfile', '-NonInteractive', '-Command', `${IMPORT}; $null = Get-UserSession`])).durationMs);
  }
  const b = median(bare);
  const m = median(withModule);
  console.log(`engine bare start: ${ms(b)}; with Import-Module + first Get-UserSession (helper start included): ${ms(m)}; cost of the module = ${ms(m - b)}`);
}

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
    const [pipeline] = (await pwshObjects(`${IMPORT}
$null = Get-UserSession -Id 1 -ErrorAction SilentlyContinue  # warm: helper started
$before = & (Get-Module SessionTools) { $script:SessionToolsHelper.NextId }
$w = [System.Diagnostics.Stopwatch]::StartNew()
Get-UserSession | Stop-UserSession -Force -Wait
$elapsed = $w.Elapsed.TotalMilliseconds
[pscustomobject] @{ Ms = $elapsed; Rpcs = (& (Get-Module SessionTools) { $script:SessionToolsHelper.NextId }) - $before }`, { env, timeoutMs: 300_000 })) as { Ms: number; Rpcs: number }[];
    const pipelineGone = pids.filter(isGone).length;
    stopAll();

    pids = await prepare();
    const [kills] = (await pwshObjects(`$w = [System.Diagnostics.Stopwatch]::StartNew()
foreach ($p in ${pids.join(',')}) { & /bin/kill $p }
[pscustomobject] @{ Ms = $w.Elapsed.TotalMilliseconds }`, { env, timeoutMs: 300_000 })) as { Ms: number }[];
    const killsGone = pids.filter(isGone).length;
    stopAll();

    console.log(
      `1,000 sessions: \`Get-UserSession | Stop-UserSession -Force -Wait\` ${ms(pipeline!.Ms)} in ${pipeline!.Rpcs} RPCs (${pipelineGone} ended); ` +
        `one \`kill\` per session: ${ms(kills!.Ms)} (${killsGone} ended); kill/pipeline = ${ratio(kills!.Ms, pipeline!.Ms)} (aim >= 20x, <= 3 RPCs)`,
    );
  } finally {
    stopAll();
    removeDir(dir);
  }
}

export async function benchSessions(): Promise<void> {
  await warmListVersusWho();
  await importCost();
  await thousandLogoffs();
}
