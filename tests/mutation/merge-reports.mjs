/**
 * Joins the JSON reports of mutation runs over separate folders into one report, to be used as
 * Stryker's incremental file: `node tests/mutation/merge-reports.mjs --out <file> [--rerun
 * Timeout,RuntimeError] <report>...`. Each source file must come from one report only.
 *
 * Stryker numbers tests anew in each report; a mutant names the tests that covered and killed it by
 * those numbers. Here each test is known by its file, name and start (what Stryker's incremental
 * differ matches on), numbered once, and every mutant's lists are renumbered.
 *
 * A test file two reports hold with different text (the runs were made on different trees) keeps
 * the text of the one report whose mutants its tests cover (a Linux test file covers no WTS code),
 * so that Stryker compares it with the tree the results were made on. When its tests cover mutants
 * of several of those reports, it is kept without text: Stryker then takes every test of it as
 * changed, and runs again each mutant it killed or covered without killing, the safe side.
 *
 * `--rerun` drops the mutants of the given statuses, so that the next run tests them again
 * (timeouts counted on a loaded machine, for example).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const take = (flag) => {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const [value] = args.splice(at, 2).slice(1);
  if (value === undefined) throw new Error(`${flag} needs a value`);
  return value;
};
const out = take('--out');
const rerun = new Set((take('--rerun') ?? '').split(',').filter(Boolean));
if (out === undefined || args.length === 0) {
  console.error('usage: merge-reports.mjs --out <file> [--rerun Status,...] <report.json>...');
  process.exit(2); // a usage error (a script's exit code, not a skipped test)
}

const reports = args.map((path) => ({ path, report: JSON.parse(readFileSync(path, 'utf8')) }));
const testKey = (file, test) => {
  const start = test.location?.start;
  return `${file}@${start ? `${start.line}:${start.column}` : ''}\n${test.name}`;
};

/** Whether any mutant of `report` is covered by a test of its test file `file`. */
function covers(report, file) {
  const ids = new Set(report.testFiles[file].tests.map((t) => t.id));
  return Object.values(report.files).some((f) => f.mutants.some((m) => m.coveredBy?.some((id) => ids.has(id))));
}

/** The text a test file is kept with (see above). */
function testFileText(file) {
  const holding = reports.filter(({ report }) => report.testFiles?.[file] !== undefined);
  const texts = new Set(holding.map(({ report }) => report.testFiles[file].source));
  if (texts.size === 1) return [...texts][0];
  const covering = holding.filter(({ report }) => covers(report, file));
  const coveringTexts = new Set(covering.map(({ report }) => report.testFiles[file].source));
  if (coveringTexts.size === 1) return [...coveringTexts][0];
  // Covered by none: no result depends on it; by several with different texts: changed for all.
  return coveringTexts.size === 0 ? holding[0].report.testFiles[file].source : '';
}

/** Test files: one entry per file, one id per test across all reports. */
const testFiles = {};
const idByKey = new Map();
const renumber = [];
for (const { report } of reports) {
  const local = new Map();
  renumber.push(local);
  for (const [file, entry] of Object.entries(report.testFiles ?? {})) {
    const merged = (testFiles[file] ??= { tests: [], source: testFileText(file) });
    for (const test of entry.tests) {
      const key = testKey(file, test);
      let id = idByKey.get(key);
      if (id === undefined) {
        id = String(idByKey.size);
        idByKey.set(key, id);
        merged.tests.push({ ...test, id });
      }
      local.set(test.id, id);
    }
  }
}

const files = {};
let dropped = 0;
reports.forEach(({ path, report }, index) => {
  const ids = (list) => list?.map((id) => renumber[index].get(id)).filter((id) => id !== undefined);
  for (const [file, entry] of Object.entries(report.files)) {
    if (files[file] !== undefined) throw new Error(`${file} is in more than one report (again in ${path})`);
    const mutants = entry.mutants.filter((m) => !rerun.has(m.status));
    dropped += entry.mutants.length - mutants.length;
    files[file] = {
      ...entry,
      mutants: mutants.map((m) => ({ ...m, coveredBy: ids(m.coveredBy), killedBy: ids(m.killedBy) })),
    };
  }
});

const { report: first } = reports[0];
writeFileSync(out, JSON.stringify({ ...first, files, testFiles }));
const mutants = Object.values(files).reduce((n, f) => n + f.mutants.length, 0);
const differing = Object.keys(testFiles).filter((f) => new Set(reports.map(({ report }) => report.testFiles?.[f]?.source).filter((t) => t !== undefined)).size > 1);
const unsure = differing.filter((f) => testFiles[f].source === '');
console.log(
  `${Object.keys(files).length} source files, ${mutants} mutants (${dropped} dropped to run again), ` +
    `${idByKey.size} tests in ${Object.keys(testFiles).length} test files; ${differing.length} differ between reports` +
    (unsure.length > 0 ? `, kept as changed: ${unsure.join(', ')}` : ''),
);
