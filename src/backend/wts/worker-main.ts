/**
 * The entry of a WTS worker thread: loads koffi and the libraries, says it is ready, then runs one
 * task at a time with synchronous koffi calls, which may block this thread (never the helper's).
 * A library that cannot be loaded is still "ready": every task then answers that failure.
 * Bundled as module/bin/wts-worker.mjs; run from source through worker-url.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { actOnSessions } from './actions.ts';
import { Win32Error, WtsCalls } from './calls.ts';
import type { Task, TaskReply, WorkerData, WorkerMessage } from './jobs.ts';
import { loadWinApi } from './library.ts';
import { messageSession } from './message-task.ts';
import { processesOfSessions } from './processes.ts';
import { describeServer, enumerateServer } from './list.ts';

const port = parentPort;
if (port === null) throw new Error('wts worker: not started as a worker thread');
const { libraryPath } = workerData as WorkerData;

function load(): WtsCalls | Error {
  try {
    return new WtsCalls(loadWinApi(libraryPath));
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
const calls = load();

function value(calls: WtsCalls, task: Task): unknown {
  switch (task.op) {
    case 'enumerate':
      return enumerateServer(calls, task);
    case 'describe':
      return describeServer(calls, task);
    case 'message':
      return messageSession(calls, task);
    case 'ownSession':
      return calls.ownSessionId();
    case 'processes':
      return processesOfSessions(calls, task);
    default:
      return actOnSessions(calls, task);
  }
}

function run(task: Task): TaskReply {
  if (calls instanceof Error) return { ok: false, message: calls.message };
  try {
    return { ok: true, value: value(calls, task) } as TaskReply;
  } catch (e) {
    if (e instanceof Win32Error) return { ok: false, win32: e.failure };
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

const post = (message: WorkerMessage): void => port.postMessage(message);
port.on('message', (task: Task) => post({ reply: run(task) }));
post({ ready: true });
