/**
 * Actions on some sessions of one computer (worker side), over one server handle. Each session
 * gets its own failure; afterwards each is queried again, for the outcome's session (null when it
 * is gone, as after a finished logoff).
 */
import { NotOwnSession, Win32Error, type WtsCalls } from './calls.ts';
import { describeSession } from './describe.ts';
import type { ActionJob, ActionRow } from './jobs.ts';
import { withServer } from './server.ts';

/** The native call of each action on one session, by the action's name (its jobs' op): a new action is one entry. */
export const ACTIONS = {
  logoff: (calls: WtsCalls, h: bigint | null, id: number, job: ActionJob): void => calls.logoff(h, id, job.wait),
  disconnect: (calls: WtsCalls, h: bigint | null, id: number, job: ActionJob): void => calls.disconnect(h, id, job.wait),
  lock: (calls: WtsCalls, h: bigint | null, id: number): void => calls.lockOwnSession(h, id),
};

function actOn(calls: WtsCalls, h: bigint | null, job: ActionJob, id: number): ActionRow {
  try {
    ACTIONS[job.op](calls, h, id, job);
  } catch (e) {
    if (e instanceof Win32Error) return { id, failure: e.failure, session: null };
    if (e instanceof NotOwnSession) return { id, failure: null, session: null, ownSession: e.own };
    throw e;
  }
  let session = null;
  try {
    session = describeSession(calls, h, id, job.computerName, null);
  } catch (e) {
    // The action is done; only the look afterwards failed (the computer went away): no session.
    if (!(e instanceof Win32Error)) throw e;
  }
  return { id, failure: null, session };
}

export function actOnSessions(calls: WtsCalls, job: ActionJob): ActionRow[] {
  try {
    return withServer(calls, job.computer, (h) => job.ids.map((id) => actOn(calls, h, job, id)));
  } catch (e) {
    // The server could not be opened: every session of it fails the same way.
    if (e instanceof Win32Error) return job.ids.map((id) => ({ id, failure: e.failure, session: null }));
    throw e;
  }
}
