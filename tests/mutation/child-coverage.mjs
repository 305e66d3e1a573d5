/**
 * Mutation testing only: loaded into every Node child process of the dry run (NODE_OPTIONS=--import,
 * set by setup.ts) and, through patchWorkers, into every worker thread those start. It writes the
 * mutant coverage gathered there (Stryker's globalThis.__stryker__) to STRYKER_CHILD_COVERAGE_DIR:
 * a process before each write to stdout and at exit, a worker thread before each message it sends
 * (a WTS worker answers each job with one). The test that started them adds it to its own
 * coverage. Processes and threads that run no instrumented code write nothing.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { patchWorkers, writeCoverage } from './coverage-files.mjs';

const dir = process.env.STRYKER_CHILD_COVERAGE_DIR;
if (dir) {
  if (isMainThread) {
    process.on('exit', () => writeCoverage(dir));
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
    const post = parentPort.postMessage;
    parentPort.postMessage = function postMessage(...args) {
      writeCoverage(dir);
      return post.apply(this, args);
    };
  }
}
