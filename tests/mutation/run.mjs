/**
 * `npm run mutation [-- <stryker options>] [-- --minutes N] [-- --save-baseline]`: StrykerJS in
 * incremental mode, starting from the committed baseline when this checkout has no incremental
 * file of its own.
 *
 * A fresh run of the whole scope takes hours on a two-core machine (docs/mutation.md); an
 * incremental one tests only the mutants whose code or covering tests changed since the results it
 * starts from. tests/mutation/baseline.json.gz holds such results (Stryker's incremental report,
 * gzipped), so a clone starts from them too.
 *
 * `--minutes N` stops the run after N minutes of mutation testing (after its dry run) and keeps
 * what it found (salvage.mjs): the next run goes on from there. So a whole-scope run can be done in
 * pieces of about N minutes, each leaving a usable incremental file.
 * `--save-baseline` writes the incremental file back to the baseline after a run that ended
 * without error (or was stopped by --minutes); commit it with the tree it was made on.
 * `--force` (Stryker's) runs every mutant in scope again.
 *
 * After the run, each survivor keeps the covering tests its earlier result listed (keep-tried.mjs),
 * so that a test whose coverage depends on timing does not make Stryker test it again next time.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { keepTriedFiles } from './keep-tried.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const baseline = join(root, 'tests', 'mutation', 'baseline.json.gz');
// The same file as stryker.config.mjs's incrementalFile; plan.json is plan-reporter.mjs's.
const incremental = join(root, '.tools', 'stryker', 'incremental.json');
const planFile = join(root, '.tools', 'stryker', 'plan.json');

const args = process.argv.slice(2);
const save = args.includes('--save-baseline');
const at = args.indexOf('--minutes');
const minutes = at >= 0 ? Number(args[at + 1]) : null;
if (minutes !== null && !(minutes > 0)) throw new Error('--minutes takes a number of minutes above 0');
const strykerArgs = args.filter((a, i) => a !== '--save-baseline' && (at < 0 || (i !== at && i !== at + 1)));

if (!existsSync(incremental) && existsSync(baseline)) {
  mkdirSync(dirname(incremental), { recursive: true });
  writeFileSync(incremental, gunzipSync(readFileSync(baseline)));
  console.log(`Incremental file started from ${baseline}`);
}

// What the run starts from, for keep-tried.mjs once it has ended.
const startedFrom = join(root, '.tools', 'stryker', 'incremental.before.json');
if (existsSync(incremental)) writeFileSync(startedFrom, readFileSync(incremental));
else rmSync(startedFrom, { force: true });

const cli = join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
// Not in a process group of its own (detached: setsid): without a controlling terminal in its
// session, tests of the current session's terminal (tests/helper/current.test.ts) fail.
const stryker = spawn(process.execPath, [cli, 'run', 'stryker.config.mjs', ...strykerArgs], { cwd: root, stdio: 'inherit' });

/** Every process started by `pid`, and theirs (Linux: /proc; elsewhere none). */
function descendants(pid) {
  if (!existsSync('/proc/self/stat')) return [];
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // ended meanwhile
    }
  }
  const found = [];
  for (let i = -1; i < found.length; i++) for (const child of children.get(i < 0 ? pid : found[i]) ?? []) found.push(child);
  return found;
}

/** Stryker first (it would start new test runners for those that end), then all it started. */
function stop() {
  const below = descendants(stryker.pid);
  for (const pid of [stryker.pid, ...below]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
}
let stopped = false;
if (minutes !== null) {
  // The clock starts when the mutants do: plan-reporter.mjs writes plan.json's mutants then.
  const started = Date.now();
  const poll = setInterval(() => {
    let planned = false;
    try {
      planned = statSync(planFile).mtimeMs >= started && JSON.parse(readFileSync(planFile, 'utf8')).mutants.length > 0;
    } catch {
      // not written yet, or being written
    }
    if (!planned) return;
    clearInterval(poll);
    setTimeout(() => {
      stopped = true;
      console.log(`\n${minutes} min of mutation testing: stopping the run and keeping its results`);
      stop();
    }, minutes * 60_000).unref();
  }, 2_000);
  stryker.on('exit', () => clearInterval(poll));
}
const code = await new Promise((resolve) => stryker.on('exit', (c) => resolve(c)));
if (stopped) {
  execFileSync(process.execPath, [join(root, 'tests', 'mutation', 'salvage.mjs'), incremental], { cwd: root, stdio: 'inherit' });
} else if (code !== 0) {
  process.exit(code ?? 1); // Stryker's own failure passed on (a script's exit code, not a skipped test)
}
if (existsSync(startedFrom)) {
  const gained = keepTriedFiles(startedFrom, incremental);
  console.log(`Survivors that keep tests they survived before (keep-tried.mjs): ${gained}`);
}
if (save) {
  writeFileSync(baseline, gzipSync(readFileSync(incremental), { level: 9 }));
  console.log(`Baseline written: ${baseline}`);
}
