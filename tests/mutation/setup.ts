/**
 * Vitest setup for mutation testing only (vitest.mutation.config.ts; see stryker.config.mjs).
 *
 * Most suites here drive the code under test in child processes (the helper) and worker threads,
 * which Stryker's vitest runner cannot see on its own: it activates a mutant and collects coverage
 * in the test process only. This file carries both across:
 * - mutant runs: the active mutant goes to children in __STRYKER_ACTIVE_MUTANT__, which the
 *   instrumented code reads when it starts (children and their worker threads inherit it);
 * - the dry run: child processes, and worker threads started here or in them, load
 *   child-coverage.mjs, which writes their coverage to a directory; after each test it is added to
 *   that test's coverage, so Stryker runs that test for the mutants its children reached. Children
 *   that outlive their test count for every test of the file. What a helper or WTS worker runs
 *   while it loads is static coverage (see child-coverage.mjs).
 */
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
// Plain JavaScript, so that children can load copies of it from where any user can read them.
import { patchWorkers } from './coverage-files.mjs';

type Counts = Record<string, number>;
interface Coverage {
  static: Counts;
  perTest: Record<string, Counts>;
}
interface Namespace {
  activeMutant?: string;
  currentTestId?: string;
  mutantCoverage?: Coverage;
}

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
const provided = inject as unknown as (key: string) => unknown;
const namespace = provided('globalNamespace');
const ns = (): Namespace => {
  const g = globalThis as unknown as Record<string, Namespace | undefined>;
  return (g[namespace as string] ??= {});
};

/**
 * The WTS backend run in-process starts its workers from source (tsx compiles the sources anew in
 * every worker thread, seconds each when instrumented); here they run the worker bundle the build
 * command made from the same instrumented sources.
 */
const wtsWorker = {
  source: 'src/backend/wts/worker-main.ts',
  bundle: new URL('../../module/bin/wts-worker.mjs', import.meta.url).href,
};

// The tests vitest.mutation.config.ts leaves out (mutationLeftOut: file and name parts).
const leftOut = (provided('mutationLeftOut') ?? []) as [string, string][];
beforeEach(({ task, skip }) => {
  const file = task.file.filepath.replaceAll('\\', '/');
  if (leftOut.some(([f, name]) => file.endsWith(`/${f}`) && task.name.includes(name))) skip('left out of mutation runs');
});

if (typeof namespace !== 'string') {
  // Not run by Stryker (vitest --config vitest.mutation.config.ts by hand): nothing to carry.
} else if (provided('mode') === 'mutant') {
  beforeAll(() => {
    process.env[ACTIVE_MUTANT] = String(ns().activeMutant);
    patchWorkers({ bundleFor: wtsWorker });
  });
  afterAll(() => {
    delete process.env[ACTIVE_MUTANT];
  });
} else {
  let dir = '';
  const testIds = new Set<string>();
  const nodeOptions = process.env.NODE_OPTIONS;

  const add = (to: Counts, from: Counts): void => {
    for (const [mutant, hits] of Object.entries(from)) to[mutant] = (to[mutant] ?? 0) + hits;
  };
  /** Moves what the children wrote into the coverage of the given tests (or static coverage). */
  const collect = (ids: string[]): void => {
    const coverage = (ns().mutantCoverage ??= { static: {}, perTest: {} });
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const child = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Coverage;
      rmSync(join(dir, file));
      // A child's load time is static coverage (child-coverage.mjs); what it did since is the test's.
      add(coverage.static, child.static);
      const counts: Counts = {};
      for (const perTest of Object.values(child.perTest)) add(counts, perTest);
      if (ids.length === 0) add(coverage.static, counts);
      for (const id of ids) add((coverage.perTest[id] ??= {}), counts);
    }
  };

  beforeAll(() => {
    delete process.env[ACTIVE_MUTANT];
    // Readable and writable by every user: one test runs a child as nobody (uid 65534).
    dir = mkdtempSync(join(tmpdir(), 'st-stryker-children-'));
    chmodSync(dir, 0o1777);
    for (const file of ['child-coverage.mjs', 'coverage-files.mjs']) {
      copyFileSync(new URL(`./${file}`, import.meta.url), join(dir, file));
      chmodSync(join(dir, file), 0o644);
    }
    const hook = pathToFileURL(join(dir, 'child-coverage.mjs')).href;
    process.env.STRYKER_CHILD_COVERAGE_DIR = dir;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${hook}`.trim();
    // Worker threads started here (the WTS backend's pool) report their coverage too.
    patchWorkers({ hookUrl: hook, bundleFor: wtsWorker });
  });
  beforeEach(() => {
    const id = ns().currentTestId;
    if (id !== undefined) testIds.add(id);
  });
  afterEach(() => {
    const id = ns().currentTestId;
    collect(id === undefined ? [] : [id]);
  });
  afterAll(() => {
    collect([...testIds]);
    rmSync(dir, { recursive: true, force: true });
    delete process.env.STRYKER_CHILD_COVERAGE_DIR;
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
  });
}
