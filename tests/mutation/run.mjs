/**
 * `npm run mutation [-- <stryker options>] [-- --save-baseline]`: StrykerJS in incremental mode,
 * starting from the committed baseline when this checkout has no incremental file of its own.
 *
 * A fresh run of the whole scope takes hours on a two-core machine (docs/mutation.md); an
 * incremental one tests only the mutants whose code or covering tests changed since the results it
 * starts from. tests/mutation/baseline.json.gz holds the results of a whole run (Stryker's
 * incremental report, gzipped), so a clone starts from them too. `--save-baseline` writes the run's
 * incremental file back there, after a run that ended without error; commit it with the tree it
 * was made on. `--force` (Stryker's) runs every mutant in scope again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const baseline = join(root, 'tests', 'mutation', 'baseline.json.gz');
// The same file as stryker.config.mjs's incrementalFile.
const incremental = join(root, '.tools', 'stryker', 'incremental.json');

const args = process.argv.slice(2);
const save = args.includes('--save-baseline');
const strykerArgs = args.filter((a) => a !== '--save-baseline');

if (!existsSync(incremental) && existsSync(baseline)) {
  mkdirSync(dirname(incremental), { recursive: true });
  writeFileSync(incremental, gunzipSync(readFileSync(baseline)));
  console.log(`Incremental file started from ${baseline}`);
}

const cli = join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const run = spawnSync(process.execPath, [cli, 'run', 'stryker.config.mjs', ...strykerArgs], {
  cwd: root,
  stdio: 'inherit',
});
if (run.status !== 0) process.exit(run.status ?? 1);

if (save) {
  writeFileSync(baseline, gzipSync(readFileSync(incremental), { level: 9 }));
  console.log(`Baseline written: ${baseline}`);
}
