/**
 * sessions.list for one computer (worker side): enumerate, hide system sessions unless asked,
 * describe each; sessions that end in between are skipped.
 */
import type { UserSession } from '../../protocol/session.ts';
import type { WtsCalls } from './calls.ts';
import { describeSession } from './describe.ts';
import type { ListJob } from './jobs.ts';
import { isSystemSession } from './session-fields.ts';
import { withServer } from './server.ts';

export function listSessions(calls: WtsCalls, job: ListJob): UserSession[] {
  return withServer(calls, job.computer, (h) => {
    const listed = calls.enumerate(h);
    const shown = job.includeSystem ? listed : listed.filter((s) => !isSystemSession(s.SessionId, s.State));
    const sessions: UserSession[] = [];
    for (const s of shown) {
      const session = describeSession(calls, h, s.SessionId, job.computerName, s);
      if (session !== null) sessions.push(session);
    }
    return sessions;
  });
}
