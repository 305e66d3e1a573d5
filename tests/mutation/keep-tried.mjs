/**
 * Keeps, for each surviving mutant, every test it has already survived: run.mjs calls it after a
 * run, with the incremental file the run started from and the one it wrote.
 *
 * Why: Stryker runs a surviving mutant again when the dry run finds a covering test that its last
 * result does not list (its incremental differ), and a reused result lists only this dry run's
 * covering tests. A test whose coverage depends on timing (a leader that ends before or after a
 * look, a race a test provokes) covers a mutant in one dry run and not in the next; the result
 * reused in between forgets the test, and the run after that tests the mutant again, with every test
 * that covers it (docs/mutation.md, "Eighth pass"). A survivor's covering tests, as Stryker keeps
 * them, are tests it was run against and survived: so the union of what two results list is too,
 * as long as neither the mutant's file nor the test's file changed between them. Killed, timed-out
 * and other results are left as they are.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const key = (m) => `${m.mutatorName}\0${m.replacement}\0${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column}`;

/** Test id -> "file\0name" for the tests of an incremental report whose file's text is `sameIn`'s. */
function testNames(report, sameIn) {
  const names = new Map();
  for (const [file, { tests, source }] of Object.entries(report.testFiles ?? {})) {
    if (sameIn !== undefined && sameIn.testFiles?.[file]?.source !== source) continue;
    for (const t of tests) names.set(String(t.id), `${file}\0${t.name}`);
  }
  return names;
}

/**
 * `current` (Stryker's incremental report) with each survivor's coveredBy joined with what
 * `previous` listed for the same mutant. Returns the number of survivors that gained tests.
 */
export function keepTried(previous, current) {
  const oldNames = testNames(previous, current);
  const newIds = new Map([...testNames(current, previous)].map(([id, name]) => [name, id]));
  let gained = 0;
  for (const [file, { source, mutants }] of Object.entries(current.files)) {
    const before = previous.files?.[file];
    if (before === undefined || before.source !== source) continue;
    const old = new Map(before.mutants.filter((m) => m.status === 'Survived').map((m) => [key(m), m]));
    for (const m of mutants) {
      const was = m.status === 'Survived' ? old.get(key(m)) : undefined;
      if (was === undefined) continue;
      const tests = new Set((m.coveredBy ?? []).map(String));
      const size = tests.size;
      for (const id of was.coveredBy ?? []) {
        const now = newIds.get(oldNames.get(String(id)));
        if (now !== undefined) tests.add(now);
      }
      if (tests.size > size) {
        m.coveredBy = [...tests];
        gained++;
      }
    }
  }
  return gained;
}

/** The same on files: `current` is rewritten. */
export function keepTriedFiles(previousPath, currentPath) {
  const current = JSON.parse(readFileSync(currentPath, 'utf8'));
  const gained = keepTried(JSON.parse(readFileSync(previousPath, 'utf8')), current);
  writeFileSync(currentPath, JSON.stringify(current));
  return gained;
}
