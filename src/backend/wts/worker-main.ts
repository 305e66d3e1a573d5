/**
 * The entry of a WTS worker thread: loads koffi and the libraries on its first job, then runs one
 * job at a time with synchronous koffi calls, which may block this thread (never the helper's).
 * Bundled as module/bin/wts-worker.mjs; run from source through worker-url.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { actOnSessions } from './actions.ts';
import { Win32Error, WtsCalls } from './calls.ts';
import type { Job, Reply, WorkerData } from './jobs.ts';
import { loadWinApi } from './library.ts';
import { listSessions } from './list.ts';

const port = parentPort;
if (port === null) throw new Error('wts worker: not started as a worker thread');
const { libraryPath } = workerData as WorkerData;
let calls: WtsCalls | null = null;

function run(job: Job): Reply {
  try {
    calls ??= new WtsCalls(loadWinApi(libraryPath));
    return { ok: true, value: job.op === 'list' ? listSessions(calls, job) : actOnSessions(calls, job) };
  } catch (e) {
    if (e instanceof Win32Error) return { ok: false, win32: e.failure };
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

port.on('message', (job: Job) => port.postMessage(run(job)));
