/**
 * SessionTools in the PowerShell under test (the pinned pwsh, or $SESSIONTOOLS_PWSH), as ratios
 * measured in this one run:
 *  1. cold: `pwsh -NoProfile -Command 'Import-Module ...; Get-UserSession'` against
 *     `pwsh -NoProfile -Command 'who'` (whole processes, alternated, median of 7 each), and the
 *     helper's own start (node helper.mjs to its answer to initialize), which the first call waits for;
 *  2. warm: Get-UserSession against `who` from the same PowerShell, after 300 calls of each so that
 *     PowerShell has compiled the functions (median of the next 500), beside the floor: a function
 *     with the same parameter block that sends one request to the real helper and reads its answer
 *     synchronously, parsed with System.Text.Json (what the module's call cannot beat), both for
 *     this machine's real sessions (/run/utmp) and for six real leaders recorded in a utmp file
 *     that `who` reads too.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultUtmpPath } from '../src/backend/linux/index.ts';
import { buildUtmpWriter, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../tests/linux-backend/support.ts';
import { HELPER_NODE, HELPER_SCRIPT, PROTOCOL_VERSION } from '../tests/helper/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { pwshCommand, runPwsh } from '../tests/support/pwsh.ts';
import { median, ms, pwshResult, ratio } from './pwsh-json.ts';

const WHO = '/usr/bin/who';

/** Milliseconds from spawning the helper to its answer to initialize (median of 7). */
async function helperStartMs(): Promise<number> {
  const one = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(HELPER_NODE, [HELPER_SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
      child.stdout.once('data', () => {
        resolve(performance.now() - started);
        child.stdin.end();
      });
      child.once('error', reject);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { ProtocolVersion: PROTOCOL_VERSION } })}\n`);
    });
  const times: number[] = [];
  for (let i = 0; i < 7; i++) times.push(await one());
  return median(times);
}

async function cold(label: string, env: Record<string, string>, whoArgs: string): Promise<void> {
  const module: number[] = [];
  const who: number[] = [];
  for (let i = 0; i < 8; i++) {
    const a = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', `${IMPORT}; $null = Get-UserSession`], { env });
    const b = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', `$null = & ${WHO} ${whoArgs}`], { env });
    if (a.exitCode !== 0 || b.exitCode !== 0) throw new Error(`cold run failed: ${a.stderr}${b.stderr}`);
    if (i === 0) continue; // the first pair warms the disk cache
    module.push(a.durationMs);
    who.push(b.durationMs);
  }
  const m = median(module);
  const w = median(who);
  console.log(`cold, whole process, ${label}: Import-Module + Get-UserSession ${ms(m)}; \`who\` ${ms(w)}; module/who = ${ratio(m, w)}; the module costs ${ms(m - w)} over \`who\``);
  console.log(`  of which the helper's own start (node helper.mjs to its answer to initialize): ${ms(await helperStartMs())}`);
}

/** The floor: the same parameter block, one synchronous write and read, System.Text.Json. */
const FLOOR = `
$floorStart = [System.Diagnostics.ProcessStartInfo]::new('${HELPER_NODE}', '"${HELPER_SCRIPT}"')
$floorStart.UseShellExecute = $false; $floorStart.RedirectStandardInput = $true; $floorStart.RedirectStandardOutput = $true
$floorHelper = [System.Diagnostics.Process]::Start($floorStart)
$floorIn = $floorHelper.StandardInput.BaseStream; $floorOut = $floorHelper.StandardOutput
$script:floorId = 0
function Send-FloorLine([string] $Method, [string] $Params) {
    $script:floorId++
    $bytes = [System.Text.Encoding]::UTF8.GetBytes('{"jsonrpc":"2.0","id":' + $script:floorId + ',"method":"' + $Method + '","params":' + $Params + "}\`n")
    $floorIn.Write($bytes, 0, $bytes.Length); $floorIn.Flush()
    [System.Text.Json.JsonDocument]::Parse($floorOut.ReadLine())
}
$null = Send-FloorLine 'initialize' '{"ProtocolVersion":${PROTOCOL_VERSION}}'
function Get-Floor {
    [CmdletBinding(DefaultParameterSetName = 'Default')]
    param(
        [Parameter(Position = 0)] [Alias('User')] [SupportsWildcards()] [ValidateNotNullOrEmpty()] [string[]] $UserName,
        [Parameter()] [Alias('SessionId')] [ValidateRange(0, 2147483647)] [int[]] $Id,
        [Parameter()] [ValidateSet('Active', 'Connected', 'ConnectQuery', 'Shadow', 'Disconnected', 'Idle', 'Listen', 'Reset', 'Down', 'Init')] [string[]] $State,
        [Parameter(ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [Alias('CN', 'Server')] [ValidateNotNullOrEmpty()] [string[]] $ComputerName,
        [Parameter()] [switch] $IncludeSystem,
        [Parameter()] [ValidateRange(1, 1024)] [int] $ThrottleLimit = 32,
        [Parameter()] [ValidateRange(1, 3600)] [int] $TimeoutSec = 15
    )
    end {
        $doc = Send-FloorLine 'sessions.list' '{}'
        foreach ($s in $doc.RootElement.GetProperty('result').GetProperty('Items').EnumerateArray()) { $s.GetProperty('SessionId').GetInt32() }
    }
}`;

async function warm(label: string, env: Record<string, string>, whoArgs: string): Promise<void> {
  const o = await pwshResult<{ Get: number; Floor: number; Who: number; Sessions: number; FloorSessions: number }>(
    `${IMPORT}
${FLOOR}
function Time([scriptblock] $Block, [int] $N) {
  $t = [double[]]::new($N)
  for ($i = 0; $i -lt $N; $i++) { $w = [System.Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $t[$i] = $w.Elapsed.TotalMilliseconds }
  [Array]::Sort($t); $t[[int]($N / 2)]
}
$get = { Get-UserSession }; $floor = { Get-Floor }; $who = { & ${WHO} ${whoArgs} }
$null = Time $get 300; $null = Time $floor 300; $null = Time $who 300
$result = [pscustomobject] @{ Get = (Time $get 500); Floor = (Time $floor 500); Who = (Time $who 500); Sessions = @(Get-UserSession).Count; FloorSessions = @(Get-Floor).Count }
$floorIn.Close(); $null = $floorHelper.WaitForExit(5000)
Write-BenchResult $result`,
    { env, timeoutMs: 600_000 },
  );
  if (o.FloorSessions !== o.Sessions) throw new Error(`the floor listed ${o.FloorSessions} sessions, Get-UserSession ${o.Sessions}`);
  console.log(
    `warm (after 300 calls), ${label}, ${o.Sessions} sessions: Get-UserSession median ${ms(o.Get)}; \`who\` from the same PowerShell ${ms(o.Who)}; ` +
      `who/Get-UserSession = ${ratio(o.Who, o.Get)}; the floor (one synchronous write and read) ${ms(o.Floor)}, Get-UserSession/floor = ${ratio(o.Get, o.Floor)}`,
  );
}

/** Six real leaders recorded as logins in a utmp file of the bench's own. */
async function withSixSessions(run: (utmp: string) => Promise<void>): Promise<void> {
  const dir = makeTempDir('st-bench-warm-');
  try {
    const pids = await Promise.all(Array.from({ length: 6 }, () => startLeader('plain')));
    const utmp = join(dir, 'utmp');
    writeUtmp(buildUtmpWriter(dir), utmp, pids.map((pid, i) => ({ pid, line: `pts/${300 + i}`, user: `bench${i}`, host: '192.0.2.7', addr: '192.0.2.7', loginMs: Date.now() })));
    await run(utmp);
  } finally {
    stopAll();
    removeDir(dir);
  }
}

export async function benchPowerShell(): Promise<void> {
  const probe = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()']);
  console.log(`PowerShell under test: ${pwshCommand().file} (${probe.stdout.trim()})`);
  // A machine where no one has logged in since it started (a fresh VM, a container) may have no
  // utmp file at all: Get-UserSession then ends with an error, and `who` prints nothing. There the
  // figures for this machine's sessions are left out and the cold ones use the six leaders.
  const own = existsSync(defaultUtmpPath());
  if (own) {
    await cold("this machine's sessions", {}, '');
    await warm("this machine's sessions", {}, '');
  } else {
    console.log(`this machine has no utmp file (${defaultUtmpPath()}): its own sessions are not measured`);
  }
  await withSixSessions(async (utmp) => {
    const env = { SESSIONTOOLS_UTMP_PATH: utmp };
    if (!own) await cold('six leaders in a utmp file', env, `'${utmp}'`);
    await warm('six leaders in a utmp file', env, `'${utmp}'`);
  });
}
