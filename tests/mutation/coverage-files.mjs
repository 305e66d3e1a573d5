/**
 * Mutation testing only (see setup.ts): moving Stryker's mutant coverage out of child processes
 * and worker threads, which the test runner cannot see, through files in a directory.
 */
import { renameSync, writeFileSync } from 'node:fs';
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
  // Written under another name, then renamed: setup.ts reads every .json file there after each
  // test, and a child ending at that moment (stopped by the test's cleanup) left a file it read
  // empty ("Unexpected end of JSON input", a failed dry run).
  const name = join(dir, `${process.pid}-${threadId}-${++written}`);
  try {
    writeFileSync(`${name}.part`, JSON.stringify(coverage));
    renameSync(`${name}.part`, `${name}.json`);
  } catch {
    return; // a child running as another user may not write here: its coverage is lost, nothing else
  }
  for (const c of counts) for (const key of Object.keys(c)) delete c[key];
}

/**
 * Replaces node:worker_threads' Worker (for ESM importers too) in this thread, for the workers
 * started from now on:
 * - `hookUrl`: each imports that module before its own code;
 * - `bundleFor`: a worker whose code imports `bundleFor.source` (the WTS worker run from source
 *   through tsx, which compiles it in every new thread) runs `bundleFor.bundle` instead (the same
 *   sources, bundled by the build from the instrumented ones).
 * @param {{ hookUrl?: string | null, bundleFor?: { source: string, bundle: string } | null }} [options]
 */
export function patchWorkers({ hookUrl = null, bundleFor = null } = {}) {
  const workerThreads = createRequire(import.meta.url)('node:worker_threads');
  const Original = workerThreads.Worker;
  if (Original.strykerPatched) return;
  class Worker extends Original {
    constructor(code, options = {}) {
      let body = options.eval ? String(code) : `return import(${JSON.stringify(code instanceof URL ? code.href : String(code))});`;
      if (bundleFor !== null && body.includes(bundleFor.source)) body = `return import(${JSON.stringify(bundleFor.bundle)});`;
      if (hookUrl !== null) body = `return import(${JSON.stringify(hookUrl)}).then(() => { ${body} });`;
      super(`(() => { ${body} })();`, { ...options, eval: true });
    }
  }
  Worker.strykerPatched = true;
  workerThreads.Worker = Worker;
  syncBuiltinESMExports();
}
