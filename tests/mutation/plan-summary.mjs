/**
 * Sums up .tools/stryker/plan.json (written by plan-reporter.mjs): where a mutation run's time
 * goes. Per test file: its tests' dry-run time, and the time the mutants that run it would spend in
 * it (each mutant runs every covering test of the file, plus the file's setup); per source file:
 * mutants, mutants run, and their estimated test time. `node tests/mutation/plan-summary.mjs [plan]`
 */
import { readFileSync } from 'node:fs';

const plan = JSON.parse(readFileSync(process.argv[2] ?? '.tools/stryker/plan.json', 'utf8'));
const byId = new Map(plan.tests.map((t) => [t.id, t]));
const short = (f) => (f ?? '?').replace(/^.*?\/(tests|src)\//, '$1/');
const round = (ms) => Math.round(ms / 1000);

const files = new Map();
const fileOf = (name) => {
  if (!files.has(name)) files.set(name, { tests: 0, dryMs: 0, mutantRuns: 0, mutantMs: 0 });
  return files.get(name);
};
for (const t of plan.tests) {
  const f = fileOf(short(t.file));
  f.tests++;
  f.dryMs += t.ms;
}
const sources = new Map();
for (const m of plan.mutants) {
  const s = sources.get(short(m.file)) ?? { mutants: 0, run: 0, ms: 0, tests: 0 };
  sources.set(short(m.file), s);
  s.mutants++;
  if (m.plan !== 'Run') continue;
  s.run++;
  s.ms += m.netTime ?? 0;
  s.tests += m.tests?.length ?? 0;
  const seen = new Set();
  for (const id of m.tests ?? []) {
    const t = byId.get(id);
    if (t === undefined) continue;
    const f = fileOf(short(t.file));
    f.mutantMs += t.ms;
    if (!seen.has(t.file)) f.mutantRuns++;
    seen.add(t.file);
  }
}

console.log(`dry run: ${plan.tests.length} tests, ${round(plan.tests.reduce((a, t) => a + t.ms, 0))} s; overhead ${plan.timing?.overhead} ms`);
console.log('\ntest file: tests, dry-run s, mutants running it, their test s (upper bound: bail stops at a first kill)');
for (const [name, f] of [...files].sort((a, b) => b[1].mutantMs - a[1].mutantMs)) {
  console.log(`  ${name}: ${f.tests}, ${round(f.dryMs)} s, ${f.mutantRuns}, ${round(f.mutantMs)} s`);
}
console.log('\nsource file: mutants, run, tests per run mutant, their test s');
for (const [name, s] of [...sources].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`  ${name}: ${s.mutants}, ${s.run}, ${s.run ? (s.tests / s.run).toFixed(1) : 0}, ${round(s.ms)} s`);
}
const status = {};
for (const m of plan.mutants) {
  const kind = m.plan !== 'Run' ? m.status : m.tests?.length ? 'run' : 'no coverage';
  status[kind] = (status[kind] ?? 0) + 1;
}
console.log('\nplans:', JSON.stringify(status));
console.log('\nslowest tests (ms, mutants running it):');
const runs = new Map();
for (const m of plan.mutants) for (const id of m.tests ?? []) runs.set(id, (runs.get(id) ?? 0) + 1);
for (const t of [...plan.tests].sort((a, b) => b.ms * (runs.get(b.id) ?? 0) - a.ms * (runs.get(a.id) ?? 0)).slice(0, 25)) {
  console.log(`  ${t.ms} x ${runs.get(t.id) ?? 0}  ${short(t.file)} :: ${t.name}`);
}
