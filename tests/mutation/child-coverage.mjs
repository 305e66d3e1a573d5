/**
 * Mutation testing only: loaded into every Node child process of the dry run (NODE_OPTIONS=--import,
 * set by setup.ts) and, through patchWorkers, into every worker thread those start. It writes the
 * mutant coverage gathered there (Stryker's globalThis.__stryker__) to STRYKER_CHILD_COVERAGE_DIR:
 * a process at exit, a worker thread before each message it sends (a WTS worker answers each job
 * with one). The test that started them adds it to its own coverage. Processes and threads that run
 * no instrumented code write nothing.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { patchWorkers, writeCoverage } from './coverage-files.mjs';

const dir = process.env.STRYKER_CHILD_COVERAGE_DIR;
if (dir) {
  if (isMainThread) {
    process.on('exit', () => writeCoverage(dir));
    patchWorkers({ hookUrl: import.meta.url });
  } else if (parentPort !== null) {
    const post = parentPort.postMessage;
    parentPort.postMessage = function postMessage(...args) {
      writeCoverage(dir);
      return post.apply(this, args);
    };
  }
}
