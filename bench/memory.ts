/**
 * The helper's memory: its resident set (VmRSS) after 12,000 warm sessions.list calls, one after
 * another, with the WTS backend on the wtsapi32 double (five sessions on this computer: one worker
 * thread) and with the Linux backend (five real leaders in a utmp file). Each as the module starts
 * it (12,000 Get-UserSession in PowerShell: the client's Node options, HelperProcess.cs), in development
 * mode and as the release runs it (its own Node, bench/packaged.ts), and
 * beside it the bare `node helper.mjs` (the same calls over its stdio, without those options).
 * And its resident set and threads after fan-outs over 500 remote hosts (50 ms a call), as the
 * module starts it (UV_THREADPOOL_SIZE from HelperProcess.cs).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { HelperProcess, PROTOCOL_VERSION, stopAllHelpers } from '../tests/helper/support.ts';
import { buildUtmpWriter, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../tests/linux-backend/support.ts';
import { IMPORT } from '../tests/support/module.ts';
import { buildDouble, toFileTime, writeFixture } from '../tests/wts/support/double.ts';
import { session } from './breakdown.ts';
import { withPackagedModule } from './packaged.ts';
import { ms, pwshResult } from './pwsh-json.ts';

const CALLS = 12_000;

const rssMb = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) / 1024;

interface Measured {
  rss: number;
  /** Of rss, the pages mapped from files (mostly the node binary's own code and data: clean, shared with any other process of that binary). */
  file?: number;
  perCall: number;
  sessions: number;
}

/** The bare helper, without the module's options. */
async function bare(env: Record<string, string>): Promise<Measured> {
  const helper = HelperProcess.start({ env });
  try {
    const init = await helper.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 'init', 15_000);
    if (init.error !== undefined) throw new Error(`initialize failed: ${JSON.stringify(init.error)}`);
    let sessions = 0;
    const t0 = performance.now();
    for (let i = 1; i <= CALLS; i++) {
      const answer = (await helper.call('sessions.list', {}, i, 15_000)) as { result?: { Items: unknown[] }; error?: unknown };
      if (answer.result === undefined) throw new Error(`sessions.list failed: ${JSON.stringify(answer.error)}`);
      sessions = answer.result.Items.length;
    }
    return { rss: rssMb(helper.pid), perCall: (performance.now() - t0) / CALLS, sessions };
  } finally {
    await stopAllHelpers();
  }
}

/** The helper as the module starts it, after CALLS Get-UserSession in one PowerShell. */
async function asTheModuleStartsIt(env: Record<string, string>, importLine = IMPORT): Promise<Measured> {
  const o = await pwshResult<{ Rss: number; File: number; PerCall: number; Sessions: number }>(`${importLine}
$null = Get-UserSession
$w = [System.Diagnostics.Stopwatch]::StartNew()
for ($i = 0; $i -lt ${CALLS}; $i++) { $s = Get-UserSession }
$perCall = $w.Elapsed.TotalMilliseconds / ${CALLS}
$helper = [SessionTools.Rpc.HelperClient]::Instances[-1].ProcessId
$status = [IO.File]::ReadAllText("/proc/$helper/status")
$rss = [double] ([regex]::Match($status, '(?m)^VmRSS:\\s+(\\d+) kB$').Groups[1].Value) / 1024
$file = [double] ([regex]::Match($status, '(?m)^RssFile:\\s+(\\d+) kB$').Groups[1].Value) / 1024
Write-BenchResult ([pscustomobject] @{ Rss = $rss; File = $file; PerCall = $perCall; Sessions = @($s).Count })`, { env, timeoutMs: 1_200_000 });
  return { rss: o.Rss, file: o.File, perCall: o.PerCall, sessions: o.Sessions };
}

/**
 * The helper's RSS and threads after a first and a third fan-out over `hosts` remote hosts, in one
 * PowerShell (`importLine`: another build's module, for an A/B).
 */
export async function afterFanOut(dir: string, hosts: number, importLine = IMPORT): Promise<{ rss: number[]; threads: number[] }> {
  const fixture = join(dir, 'fanout');
  const servers = Array.from({ length: hosts }, (_, i) => ({ name: `srv${i}`, latencyMs: 50, sessions: [session(2, i)] }));
  writeFixture(fixture, servers);
  const list = servers.map((h) => `'${h.name}'`).join(',');
  const o = await pwshResult<{ Rss: number[]; Threads: number[]; Sessions: number }>(`${importLine}
$hosts = @(${list})
$rss = [System.Collections.Generic.List[double]]::new(); $threads = [System.Collections.Generic.List[int]]::new()
for ($i = 0; $i -lt 3; $i++) {
  $s = @(Get-UserSession -ComputerName $hosts -ErrorAction SilentlyContinue)
  $helper = [SessionTools.Rpc.HelperClient]::Instances[-1].ProcessId
  $status = [IO.File]::ReadAllText("/proc/$helper/status")
  $rss.Add([double] ([regex]::Match($status, '(?m)^VmRSS:\\s+(\\d+) kB$').Groups[1].Value) / 1024)
  $threads.Add([int] [regex]::Match($status, '(?m)^Threads:\\s+(\\d+)$').Groups[1].Value)
}
Write-BenchResult ([pscustomobject] @{ Rss = $rss.ToArray(); Threads = $threads.ToArray(); Sessions = $s.Count })`, {
    env: { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture },
    timeoutMs: 600_000,
  });
  console.log(
    `helper after fan-outs over ${hosts} hosts (50 ms a call, ${o.Sessions} sessions, default -ThrottleLimit): RSS ${o.Rss.map((r) => r.toFixed(1)).join(' / ')} MB ` +
      `after the 1st / 2nd / 3rd, threads ${o.Threads.join(' / ')} (no worker thread: libuv's pool); load ${loadavg()[0]?.toFixed(2)}`,
  );
  return { rss: o.Rss, threads: o.Threads };
}

export async function benchMemory(): Promise<void> {
  const dir = makeTempDir('st-bench-mem-');
  try {
    const fixture = join(dir, 'fixture');
    const now = toFileTime(new Date());
    writeFixture(fixture, [
      {
        name: '.',
        sessions: Array.from({ length: 5 }, (_, i) => ({
          id: i + 1, state: 'Active', winStation: `RDP-Tcp#${i}`, user: `user${i}`, domain: 'CONTOSO', clientName: `WS-${i}`,
          address: `10.0.0.${i + 1}`, logon: now, connect: now, lastInput: now, protocol: 2 as const,
        })),
      },
    ]);
    const utmp = join(dir, 'utmp');
    const pids = await Promise.all(Array.from({ length: 5 }, () => startLeader('plain')));
    writeUtmp(buildUtmpWriter(dir), utmp, pids.map((pid, i) => ({ pid, line: `pts/${700 + i}`, user: `user${i}`, loginMs: Date.now() })));
    await afterFanOut(dir, 500);
    const kinds: Array<[string, Record<string, string>]> = [
      ['WTS (double)', { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture }],
      ['Linux (utmp)', { SESSIONTOOLS_UTMP_PATH: utmp }],
    ];
    // Development mode (module/bin, this machine's Node), then the release as users run it (the Node it ships).
    const released = await withPackagedModule(async (packaged) => {
      const importLine = `Import-Module '${packaged.psd1.replace(/'/g, "''")}' -ErrorAction Stop`;
      const found: Measured[] = [];
      for (const [, env] of kinds) found.push(await asTheModuleStartsIt(env, importLine));
      return found;
    });
    for (const [i, [name, env]] of kinds.entries()) {
      const module = await asTheModuleStartsIt(env);
      const plain = await bare(env);
      const shipped = released[i] as Measured;
      console.log(
        `helper RSS after ${CALLS.toLocaleString('en')} calls, ${name}, ${module.sessions} sessions each: ${module.rss.toFixed(1)} MB as the module starts it ` +
          `(Get-UserSession ${ms(module.perCall)} a call) (aim < 80 MB); bare \`node helper.mjs\` ${plain.rss.toFixed(1)} MB (${ms(plain.perCall)} a call); ` +
          `the released module (its own Node): ${shipped.rss.toFixed(1)} MB (aim < 80 MB), of which ${shipped.file?.toFixed(1)} MB mapped from files, mostly its Node's own binary (development mode: ${module.file?.toFixed(1)} MB)`,
      );
    }
  } finally {
    stopAll();
    removeDir(dir);
  }
}
