/**
 * Benchmarks of the PowerShell engine the project runs on (tools/pwsh, or $SESSIONTOOLS_PWSH):
 *  1. cold start: launcher start to the "1" of `-NoProfile -Command 1` on stdout (median of 10);
 *     when over 0.5 s, or always with our host, the start-up phases from SESSIONTOOLS_PWSH_TRACE=1;
 *  2. per-pipeline cost in a warm engine, three ways (see the printed labels).
 * Prints plain lines to stdout.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ourLauncher = resolve(repoRoot, 'tools', 'pwsh', 'pwsh');

interface Timed {
  firstOutputMs: number;
  exitMs: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function timedRun(file: string, args: string[], opts: { input?: string; env?: Record<string, string>; waitFor?: string } = {}): Promise<Timed> {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    let firstOutputMs = -1;
    let stdout = '';
    let stderr = '';
    const child = spawn(file, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (firstOutputMs < 0 && stdout.includes(opts.waitFor ?? '')) firstOutputMs = performance.now() - t0;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ firstOutputMs, exitMs: performance.now() - t0, exitCode: code, stdout, stderr }));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const ms = (x: number) => `${x.toFixed(1)} ms`;

async function coldStart(file: string): Promise<number> {
  const firsts: number[] = [];
  const exits: number[] = [];
  await timedRun(file, ['-NoProfile', '-Command', '1']); // warms the OS file cache only
  for (let i = 0; i < 10; i++) {
    const r = await timedRun(file, ['-NoProfile', '-Command', '1'], { waitFor: '1' });
    if (r.exitCode !== 0 || r.stdout.trim() !== '1') throw new Error(`-Command 1 failed (${r.exitCode}): ${r.stdout}${r.stderr}`);
    firsts.push(r.firstOutputMs);
    exits.push(r.exitMs);
  }
  const m = median(firsts);
  console.log(`engine: cold start to the output of \`-NoProfile -Command 1\`: median ${ms(m)} of 10 (min ${ms(Math.min(...firsts))}, max ${ms(Math.max(...firsts))}); to process exit: median ${ms(median(exits))}`);
  return m;
}

/** The phases our host reports with SESSIONTOOLS_PWSH_TRACE=1 (median of 5 runs per phase). */
async function startupPhases(file: string): Promise<void> {
  const runs: Array<Map<string, number>> = [];
  for (let i = 0; i < 5; i++) {
    const r = await timedRun(file, ['-NoProfile', '-Command', '1'], { env: { SESSIONTOOLS_PWSH_TRACE: '1' } });
    const marks = new Map<string, number>();
    for (const m of r.stderr.matchAll(/\[pwsh-trace\]\s+([\d.]+) ms since process start,.*?: (.*)$/gm)) marks.set(m[2]!, Number(m[1]));
    runs.push(marks);
  }
  const at = (label: string) => median(runs.map((m) => m.get(label) ?? NaN));
  const main = at('Main entered (dotnet host started, runtime up)');
  const iss = at('host: creating InitialSessionState');
  const open = at('host: opening runspace');
  const opened = at('host: runspace open');
  const profiles = at('host: profiles done');
  const command = at('host: initial command done');
  const closing = at('host: closing runspace');
  if (Number.isNaN(main)) {
    console.log('engine: start-up phases: not available (the host did not print SESSIONTOOLS_PWSH_TRACE marks)');
    return;
  }
  console.log('engine: start-up phases (median of 5, from SESSIONTOOLS_PWSH_TRACE=1):');
  console.log(`  dotnet host + runtime start to Main:            ${ms(main)}`);
  console.log(`  assembly load + first engine calls (to ISS):    ${ms(iss - main)}`);
  console.log(`  InitialSessionState.CreateDefault2():           ${ms(open - iss)}`);
  console.log(`  runspace open (default session state, types):  ${ms(opened - open)}`);
  console.log(`  $PROFILE setup (-NoProfile):                    ${ms(profiles - opened)}`);
  console.log(`  first pipeline (parse, compile, JIT, format):   ${ms(command - profiles)}`);
  console.log(`  exit code ($global:?):                          ${ms(closing - command)}`);
}

/** Per-pipeline cost, measured inside one warm process with a Stopwatch. */
async function warmOverhead(file: string): Promise<void> {
  const script = `
$n = 1000
for ($i = 0; $i -lt 200; $i++) { $null = . { 1 } }
$sw = [System.Diagnostics.Stopwatch]::StartNew()
for ($i = 0; $i -lt $n; $i++) { $null = . { 1 } }
$block = $sw.Elapsed.TotalMilliseconds
$ps = [powershell]::Create([System.Management.Automation.RunspaceMode]::CurrentRunspace)
for ($i = 0; $i -lt 200; $i++) { $null = $ps.AddScript('1').Invoke(); $ps.Commands.Clear() }
$sw.Restart()
for ($i = 0; $i -lt $n; $i++) { $null = $ps.AddScript('1').Invoke(); $ps.Commands.Clear() }
$pipe = $sw.Elapsed.TotalMilliseconds
$ps.Dispose()
"block=$block"
"pipeline=$pipe"
`;
  const r = await timedRun(file, ['-NoProfile', '-NonInteractive', '-Command', script]);
  const block = Number(/block=([\d.]+)/.exec(r.stdout)?.[1]);
  const pipe = Number(/pipeline=([\d.]+)/.exec(r.stdout)?.[1]);
  if (r.exitCode !== 0 || Number.isNaN(block) || Number.isNaN(pipe)) throw new Error(`overhead script failed: ${r.stdout}${r.stderr}`);
  console.log(`engine: warm, 1,000 script-block calls \`. { 1 }\` inside one pipeline: ${ms(block)} total, ${((block / 1000) * 1000).toFixed(1)} µs each`);
  console.log(`engine: warm, 1,000 whole pipelines ([powershell]::Create('CurrentRunspace').AddScript('1').Invoke()): ${ms(pipe)} total, ${((pipe / 1000) * 1000).toFixed(1)} µs each`);

  // Through the host: `-Command -` runs each stdin line as its own pipeline with Out-Default, as a
  // person's or a test's commands run. Cost per line = (1,001 lines - 1 line) / 1,000.
  const lines = (k: number) => Array.from({ length: k }, () => '$null = 1\n').join('') + '"end"\n';
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < 3; i++) {
    small.push((await timedRun(file, ['-NoProfile', '-NonInteractive', '-Command', '-'], { input: lines(1) })).exitMs);
    large.push((await timedRun(file, ['-NoProfile', '-NonInteractive', '-Command', '-'], { input: lines(1001) })).exitMs);
  }
  const perLine = (median(large) - median(small)) / 1000;
  console.log(`engine: through the host, one stdin line of \`-Command -\` (own pipeline + Out-Default): ${(perLine * 1000).toFixed(1)} µs each (1,001 lines ${ms(median(large))} vs 1 line ${ms(median(small))}, median of 3)`);
}

export async function benchEngine(): Promise<void> {
  const override = process.env.SESSIONTOOLS_PWSH;
  const file = override || ourLauncher;
  console.log(`engine: PowerShell under test: ${override ? `$SESSIONTOOLS_PWSH (${override})` : 'tools/pwsh/pwsh (SessionTools host, System.Management.Automation 7.6.9)'}`);
  const cold = await coldStart(file);
  if (cold > 500 || !override) await startupPhases(file);
  if (cold > 500) console.log('engine: cold start is over 0.5 s; the phases above show what dominates it.');
  await warmOverhead(file);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchEngine().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
