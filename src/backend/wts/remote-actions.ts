/**
 * Log-off and disconnect of sessions of a remote computer with asynchronous calls (async-calls.ts),
 * on the helper's main thread, in one lane (lane.ts: one server handle, one slot): for each session
 * in turn the action, then the session as it is afterwards (describe.ts's rounds; null once gone),
 * as the worker side does for this computer (actions.ts). Each session gets its own failure; a
 * handle that cannot be opened fails every session the same way. Like the workers' actions, an
 * action has no timeout of its own: a log-off with bWait holds its slot until Windows answers.
 */
import type { UserSession } from '../../protocol/session.ts';
import type { AsyncWts } from './async-calls.ts';
import { Win32Error } from './calls.ts';
import { addRound, assemble, firstRound, followUps, SessionAnswers } from './describe.ts';
import type { ActionJob, ActionRow } from './jobs.ts';
import { Lane } from './lane.ts';

const never = new AbortController().signal;

/** The session `id` now, both rounds on `lane`; null when it is gone. */
async function describeOne(lane: Lane, id: number, computerName: string): Promise<UserSession | null> {
  const answers = new SessionAnswers();
  addRound(answers, [id], await lane.run(firstRound([id])));
  addRound(answers, [id], await lane.run(followUps([id], answers)));
  return assemble(answers, id, computerName, null);
}

async function actOn(lane: Lane, job: ActionJob & { op: 'logoff' | 'disconnect' }, id: number): Promise<ActionRow> {
  try {
    await lane.act(job.op, id, job.wait);
  } catch (e) {
    if (e instanceof Win32Error) return { id, failure: e.failure, session: null };
    throw e;
  }
  let session: UserSession | null = null;
  try {
    session = await describeOne(lane, id, job.computerName);
  } catch (e) {
    // The action is done; only the look afterwards failed (the computer went away): no session.
    if (!(e instanceof Win32Error)) throw e;
  }
  return { id, failure: null, session };
}

/** One row per id of `job`, in order. */
export async function actRemote(wts: AsyncWts, job: ActionJob & { op: 'logoff' | 'disconnect'; computer: string }): Promise<ActionRow[]> {
  const lane = new Lane(wts, job.computer, never);
  try {
    try {
      await lane.open();
    } catch (e) {
      if (e instanceof Win32Error) return job.ids.map((id) => ({ id, failure: e.failure, session: null }));
      throw e;
    }
    const rows: ActionRow[] = [];
    for (const id of job.ids) rows.push(await actOn(lane, job, id));
    return rows;
  } finally {
    await lane.close();
  }
}
