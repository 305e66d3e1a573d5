/**
 * The processes of some sessions of one computer (worker side), over one server handle: one
 * WTSEnumerateProcessesExW per session, each with its own failure. Whether Windows answers a
 * session id that does not exist with an error or with no processes is not documented and not
 * checked here (no Windows; the double answers no processes): a session with no processes is
 * asked for its WTSSessionInfo, whose 7022 makes it SessionNotFound.
 */
import { Win32Error, type WtsCalls } from './calls.ts';
import type { ProcessesJob, ProcessRow } from './jobs.ts';
import { withServer } from './server.ts';

export function processesOfSessions(calls: WtsCalls, job: ProcessesJob): ProcessRow[] {
  try {
    return withServer(calls, job.computer, (h) =>
      job.ids.map((id) => {
        try {
          const processes = calls.processes(h, id, job.computer);
          if (processes.length === 0) calls.sessionInfo(h, id);
          return { id, failure: null, processes };
        } catch (e) {
          if (e instanceof Win32Error) return { id, failure: e.failure, processes: [] };
          throw e;
        }
      }),
    );
  } catch (e) {
    // The server could not be opened: every session of it fails the same way.
    if (e instanceof Win32Error) return job.ids.map((id) => ({ id, failure: e.failure, processes: [] }));
    throw e;
  }
}
