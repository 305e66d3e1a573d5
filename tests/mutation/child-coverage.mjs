/**
 * Mutation testing only: loaded into every Node child process of the dry run (NODE_OPTIONS=--import,
 * set by setup.ts) and, through patchWorkers, into every worker thread those start. It writes the
 * mutant coverage gathered there (Stryker's globalThis.__stryker__) to STRYKER_CHILD_COVERAGE_DIR:
 * a process before each write to stdout and at exit, a worker thread before each message it sends
 * (a WTS worker answers each job with one). The test that started them adds it to its own
 * coverage. Processes and threads that run no instrumented code write nothing.
 *
 * Load time is static, as in the test process: the helper's code that runs before its first input
 * arrives, and a WTS worker's before its first job, is counted as static coverage (which
 * ignoreStatic leaves out, as for modules loaded by the tests themselves); what runs from then on
 * is the test's. Other children (scripts bundled by a test, which do their work as they load) count
 * all of theirs for the test.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { isMainThread, parentPort } from 'node:worker_threads';
import { patchWorkers, writeCoverage } from './coverage-files.mjs';

const dir = process.env.STRYKER_CHILD_COVERAGE_DIR;
/** The per-test key of the coverage gathered once loaded; setup.ts gives it to the running test. */
const WORK = 'child-work';
/** The events of the helper's input from which its work starts. */
const INPUT_EVENTS = ['data', 'end', 'error'];
const namespace = () => (globalThis.__stryker__ ??= {});
const working = () => {
  namespace().currentTestId = WORK;
};
/** From the first of `events` that reaches a listener added to `emitter`, coverage is the test's. */
function workFrom(emitter, ...events) {
  for (const method of ['on', 'addListener', 'once']) {
    const add = emitter[method];
    emitter[method] = function addMarking(name, listener, ...rest) {
      if (!events.includes(name) || typeof listener !== 'function') return add.call(this, name, listener, ...rest);
      return add.call(
        this,
        name,
        function markThenListen(...args) {
          working();
          return listener.apply(this, args);
        },
        ...rest,
      );
    };
  }
}

if (dir) {
  if (isMainThread) {
    // The helper reads process.stdin, or with SESSIONTOOLS_HELPER_STDIO=fs a stream on fd 0.
    if (!/helper\.mjs$/.test(process.argv[1] ?? '')) working();
    // Its input: a frame, or EOF or a failed read before any frame (what it does then is the test's too).
    else if (process.env.SESSIONTOOLS_HELPER_STDIO !== 'fs') workFrom(process.stdin, ...INPUT_EVENTS);
    else {
      const fs = createRequire(import.meta.url)('node:fs');
      const createReadStream = fs.createReadStream;
      fs.createReadStream = function createMarkedReadStream(...args) {
        const stream = createReadStream.apply(this, args);
        workFrom(stream, ...INPUT_EVENTS);
        return stream;
      };
      syncBuiltinESMExports();
    }
    process.on('exit', () => writeCoverage(dir));
    // A process that ends itself by a signal (the helper with a stuck worker: SIGKILL) has no exit.
    const kill = process.kill;
    process.kill = function killAfterCoverage(pid, ...rest) {
      if (pid === process.pid) writeCoverage(dir);
      return kill.call(this, pid, ...rest);
    };
    // Also before each write to stdout (the helper's answers): a helper shared by the tests of a
    // block then gives each test the coverage of its own requests, not all of it to every test.
    const out = process.stdout;
    const write = out.write;
    out.write = function writeAfterCoverage(...args) {
      writeCoverage(dir);
      return write.apply(this, args);
    };
    patchWorkers({ hookUrl: import.meta.url });
  } else if (parentPort !== null) {
    workFrom(parentPort, 'message');
    const post = parentPort.postMessage;
    parentPort.postMessage = function postMessage(...args) {
      writeCoverage(dir);
      return post.apply(this, args);
    };
  }
}
