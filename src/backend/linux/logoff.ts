/**
 * Stop-UserSession on Linux: the targets are kernel session ids, as Get-UserSession lists them
 * (identity.ts). One look at utmp and /proc for all targets (sessions.ts), then for each target:
 * its processes bound by pidfds (session-end.ts), the check that the caller may signal them, and
 * the escalation of every one of them. All targets at once; one outcome per target, in input
 * order; a failure is that target's outcome and never stops the others. The waits for all
 * targets are one shared wait (waiter.ts).
 */
import type { SessionTarget, UserSession } from '../../protocol/session.ts';
import type { TargetError } from '../../protocol/errors.ts';
import type { SessionOutcome } from '../backend.ts';
import { isLocalComputer } from '../local-computer.ts';
import { LOGOFF_TIMING, type EndResult } from './escalation.ts';
import { bindSession, endSession } from './session-end.ts';
import { readSessions, type LinuxSession, type SessionSource } from './sessions.ts';
import { accessDenied, backendFailed, remoteNotSupported, sessionNotFound, timedOut } from './target-errors.ts';

/** Receives a background logoff (wait=false) so that the backend can let it finish on close(). */
export type TrackBackground = (done: Promise<EndResult>) => void;

function outcome(target: SessionTarget, session: UserSession | null, error: TargetError | null): SessionOutcome {
  return { Target: target, Item: session, Error: error };
}

function outcomeOf(target: SessionTarget, s: LinuxSession, result: EndResult): SessionOutcome {
  const r = s.resolved.record;
  const who = { user: r.user, line: r.line === '' ? null : r.line };
  switch (result.kind) {
    case 'ended':
      return outcome(target, null, null);
    case 'denied':
      return outcome(target, null, accessDenied(target, who.user, who.line));
    case 'timedOut':
      return outcome(target, null, timedOut(target, who.user, LOGOFF_TIMING.afterKillMs));
    case 'failed':
      return outcome(target, null, backendFailed(target, result.error));
  }
}

async function logoffOne(target: SessionTarget, byId: ReadonlyMap<number, LinuxSession>, wait: boolean, track: TrackBackground): Promise<SessionOutcome> {
  if (!isLocalComputer(target.ComputerName)) return outcome(target, null, remoteNotSupported(target));
  const found = byId.get(target.SessionId);
  const leaders = found === undefined ? [] : bindSession(found.resolved);
  if (found === undefined || leaders.length === 0) return outcome(target, null, sessionNotFound(target));
  const end = endSession(leaders, wait);
  // Only a logoff that is not waited for answers with the session (as it was before the signal).
  if (!wait && end.hangup === 'sent') {
    track(end.done);
    return outcome(target, found.session, null);
  }
  return outcomeOf(target, found, await end.done);
}

export async function logoffSessions(src: SessionSource, targets: readonly SessionTarget[], wait: boolean, track: TrackBackground): Promise<SessionOutcome[]> {
  let sessions: LinuxSession[] = [];
  let unreadable: unknown = null; // the utmp file: each local target's error, not the whole call's
  if (targets.some((t) => isLocalComputer(t.ComputerName))) {
    try {
      sessions = await readSessions(src);
    } catch (err) {
      unreadable = err;
    }
  }
  const byId = new Map(sessions.map((s) => [s.resolved.id, s]));
  const one = async (target: SessionTarget): Promise<SessionOutcome> => {
    if (unreadable !== null && isLocalComputer(target.ComputerName)) throw unreadable;
    return logoffOne(target, byId, wait, track);
  };
  return Promise.all(targets.map((target) => one(target).catch((err: unknown): SessionOutcome => outcome(target, null, backendFailed(target, err)))));
}
