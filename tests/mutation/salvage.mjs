/**
 * Makes Stryker's incremental file from a run that was stopped before its end (Stryker 9 writes it
 * only when a run ends): `node tests/mutation/salvage.mjs [out]` (default: the incremental file of
 * stryker.config.mjs). It reads what plan-reporter.mjs wrote during the run: the dry run's tests
 * (plan.json), each result as it came (tested.jsonl: those reused from the last incremental file
 * come first, then each mutant tested), and the texts the run read (sources.json).
 *
 * The file holds every result the run had; the mutants it had not reached are simply absent, so the
 * next run tests them and reuses the rest as Stryker reuses any earlier result (docs/mutation.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const DIR = '.tools/stryker';
const out = process.argv[2] ?? `${DIR}/incremental.json`;
const rel = (file) => relative(process.cwd(), file).replaceAll('\\', '/');

const plan = JSON.parse(readFileSync(`${DIR}/plan.json`, 'utf8'));
const sources = JSON.parse(readFileSync(`${DIR}/sources.json`, 'utf8'));
const lines = readFileSync(`${DIR}/tested.jsonl`, 'utf8').split('\n').filter((l) => l.trim() !== '');

const testFiles = {};
plan.tests.forEach((t, i) => {
  const file = t.file ? rel(t.file) : '';
  (testFiles[file] ??= { tests: [], source: sources[file] ?? '' }).tests.push({ id: String(i), name: t.name });
});

const byFile = new Map();
for (const line of lines) {
  const { id, file, result } = JSON.parse(line);
  if (result === undefined) throw new Error('tested.jsonl has no whole results: it was written by an older plan-reporter.mjs');
  const name = rel(file);
  if (!byFile.has(name)) byFile.set(name, new Map());
  // A mutant reported twice (reused, then tested again) keeps its last result.
  byFile.get(name).set(id, result);
}
const ids = (list) => list?.filter((i) => i !== null && i !== undefined).map(String);
const files = {};
for (const [name, mutants] of byFile) {
  if (sources[name] === undefined) throw new Error(`sources.json has no text of ${name}`);
  files[name] = {
    language: 'typescript',
    source: sources[name],
    mutants: [...mutants].map(([id, r]) => ({ ...r, id, coveredBy: ids(r.coveredBy), killedBy: ids(r.killedBy) })),
  };
}
writeFileSync(out, JSON.stringify({ files, schemaVersion: '1.0', testFiles, projectRoot: process.cwd() }));
const count = [...byFile.values()].reduce((n, m) => n + m.size, 0);
console.log(`${out}: ${count} mutant results in ${byFile.size} files, ${plan.tests.length} tests`);
