/**
 * Mutation testing with StrykerJS: `npm run mutation` (never part of npm test, not a CI gate).
 * Reports go to .tools/stryker/ (report.html, report.json); the incremental file there lets a
 * later run test only the mutants whose code or tests changed.
 *
 * The suites (vitest.mutation.config.ts) drive the helper as a child process and the WTS backend
 * in worker threads: the build step bundles the helper from the instrumented sources, and
 * tests/mutation/setup.ts hands the active mutant to child processes and brings their coverage back.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // plan-reporter.mjs: .tools/stryker/plan.json, where a run's time goes (plan-summary.mjs sums it up).
  plugins: ['@stryker-mutator/vitest-runner', './tests/mutation/plan-reporter.mjs'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [
    'src/helper/**/*.ts',
    'src/protocol/**/*.ts',
    // Read only by codegen, as source text; never runs (the golden test of the module checks it).
    '!src/protocol/errors.ts',
    'src/backend/**/*.ts',
    // Loads the Windows system DLLs (runs only on Windows) or the override library.
    '!src/backend/wts/library.ts',
    // A worker thread's entry: it loads the library and hands each job to the modules mutated here.
    '!src/backend/wts/worker-main.ts',
  ],
  buildCommand: 'node tests/mutation/build-sandbox.mjs',
  // build-sandbox.mjs links node_modules itself, before the build needs it.
  symlinkNodeModules: false,
  coverageAnalysis: 'perTest',
  // Mutants only in code that runs when a module loads (not inside any test) are not run.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: '.tools/stryker/incremental.json',
  // Four runners on two cores: most covering tests wait (grace periods, latencies, child processes)
  // rather than compute. Measured on one slice (src/backend/linux/waiter.ts:60-90, 22 mutants):
  // 258 s at 2, 149 s at 4; on a CPU-bound one (envelope.ts, 85 mutants) 70 s at 2, 75 s at 4.
  concurrency: 4,
  timeoutMS: 5_000,
  timeoutFactor: 1.5,
  tempDirName: '.tools/stryker/tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['/.tools', '/tools/obj', '/module/bin', '/src/dotnet/**/bin', '/src/dotnet/**/obj', '/bench', '/dist'],
  reporters: ['clear-text', 'progress', 'html', 'json', 'plan'],
  htmlReporter: { fileName: '.tools/stryker/report.html' },
  jsonReporter: { fileName: '.tools/stryker/report.json' },
  clearTextReporter: { logTests: false, allowEmojis: false },
  warnings: { slow: false },
};
