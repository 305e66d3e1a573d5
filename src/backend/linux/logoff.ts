/**
 * Stop-UserSession on Linux: find each target among the current sessions and end its leader
 * (escalation.ts). All targets at once; one outcome per target, in input order; a failure is that
 * target's outcome and never stops the others.
 */
import type { SessionTarget } from '../../protocol/session.ts';
import type { SessionOutcome } from '../backend.ts';
import { LOGOFF_TIMING, startLogoff, type EndResult } from './escalation.ts';
import { isLocalComputer } from '../local-computer.ts';
import type { LinuxSession } from './sessions.ts';
import { accessDenied, backendFailed, remoteNotSupported, sessionNotFound, timedOut } from './target-errors.ts';

/** Receives a background logoff (wait=false) so that the backend can let it finish on close(). */
export type TrackBackground = (done: Promise<EndResult>) => void;

function outcomeOf(target: SessionTarget, user: string, result: EndResult): SessionOutcome {
  switch (result.kind) {
    case 'ended':
      return { Target: target, Item: null, Error: null };
    case 'denied':
      return { Target: target, Item: null, Error: accessDenied(target, user) };
    case 'timedOut':
      return { Target: target, Item: null, Error: timedOut(target, user, LOGOFF_TIMING.afterKillMs) };
    case 'failed':
      return { Target: target, Item: null, Error: backendFailed(target, result.error) };
  }
}

async function logoffOne(
  target: SessionTarget,
  byId: ReadonlyMap<number, LinuxSession>,
  wait: boolean,
  track: TrackBackground,
): Promise<SessionOutcome> {
  if (!isLocalComputer(target.ComputerName)) return { Target: target, Item: null, Error: remoteNotSupported(target) };
  const found = byId.get(target.SessionId);
  if (found === undefined) return { Target: target, Item: null, Error: sessionNotFound(target) };
  const { session, startTicks } = found;
  const logoff = startLogoff(session.SessionId, startTicks, wait);
  if (!wait && logoff.hangup === 'sent') {
    track(logoff.done);
    return { Target: target, Item: session, Error: null };
  }
  return outcomeOf(target, session.UserName, await logoff.done);
}

export async function logoffSessions(
  sessions: readonly LinuxSession[],
  targets: readonly SessionTarget[],
  wait: boolean,
  track: TrackBackground,
): Promise<SessionOutcome[]> {
  const byId = new Map(sessions.map((s) => [s.session.SessionId, s]));
  return Promise.all(
    targets.map((target) =>
      logoffOne(target, byId, wait, track).catch(
        (err: unknown): SessionOutcome => ({ Target: target, Item: null, Error: backendFailed(target, err) }),
      ),
    ),
  );
}
