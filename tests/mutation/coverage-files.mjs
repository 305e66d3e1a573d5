/**
 * Mutation testing only (see setup.ts): moving Stryker's mutant coverage out of child processes
 * and worker threads, which the test runner cannot see, through files in a directory.
 */
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

let written = 0;

/**
 * Writes what this thread's instrumented code has counted since the last write to a new file in
 * `dir`, and sets the counts back to zero (in place: the instrumented code holds on to them).
 */
export function writeCoverage(dir) {
  const coverage = globalThis.__stryker__?.mutantCoverage;
  if (coverage === undefined) return;
  const counts = [coverage.static, ...Object.values(coverage.perTest)];
  if (counts.every((c) => Object.keys(c).length === 0)) return;
  try {
    writeFileSync(join(dir, `${process.pid}-${threadId}-${++written}.json`), JSON.stringify(coverage));
  } catch {
    return; // a child running as another user may not write here: its coverage is lost, nothing else
  }
  for (const c of counts) for (const key of Object.keys(c)) delete c[key];
}

/**
 * Makes every worker thread started from now on in this thread import `hookUrl` before its own
 * code (node:worker_threads' Worker is replaced, for ESM importers too).
 */
export function patchWorkers(hookUrl) {
  const workerThreads = createRequire(import.meta.url)('node:worker_threads');
  const Original = workerThreads.Worker;
  if (Original.strykerPatched) return;
  class Worker extends Original {
    constructor(code, options = {}) {
      const body = options.eval ? String(code) : `return import(${JSON.stringify(code instanceof URL ? code.href : String(code))});`;
      super(`import(${JSON.stringify(hookUrl)}).then(() => { ${body} });`, { ...options, eval: true });
    }
  }
  Worker.strykerPatched = true;
  workerThreads.Worker = Worker;
  syncBuiltinESMExports();
}
