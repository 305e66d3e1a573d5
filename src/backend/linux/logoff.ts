/**
 * Stop-UserSession on Linux: find each target among the current sessions and end its leader
 * (escalation.ts). All targets at once; one outcome per target, in input order; a failure is that
 * target's outcome and never stops the others.
 */
import type { ActionOutcome } from '../../protocol/rpc.ts';
import type { SessionTarget } from '../../protocol/session.ts';
import { LOGOFF_TIMING, startLogoff, type EndResult } from './escalation.ts';
import { isLocalComputer } from './local-computer.ts';
import type { LinuxSession } from './sessions.ts';
import { accessDenied, backendFailed, remoteNotSupported, sessionNotFound, timedOut } from './target-errors.ts';

/** Receives a background logoff (wait=false) so that the backend can let it finish on close(). */
export type TrackBackground = (done: Promise<EndResult>) => void;

function outcomeOf(target: SessionTarget, user: string, result: EndResult): ActionOutcome {
  switch (result.kind) {
    case 'ended':
      return { target, session: null, error: null };
    case 'denied':
      return { target, session: null, error: accessDenied(target, user) };
    case 'timedOut':
      return { target, session: null, error: timedOut(target, user, LOGOFF_TIMING.afterKillMs) };
    case 'failed':
      return { target, session: null, error: backendFailed(target, result.error) };
  }
}

async function logoffOne(
  target: SessionTarget,
  byId: ReadonlyMap<number, LinuxSession>,
  wait: boolean,
  track: TrackBackground,
): Promise<ActionOutcome> {
  if (!isLocalComputer(target.ComputerName)) return { target, session: null, error: remoteNotSupported(target) };
  const found = byId.get(target.SessionId);
  if (found === undefined) return { target, session: null, error: sessionNotFound(target) };
  const { session, startTicks } = found;
  const logoff = startLogoff(session.SessionId, startTicks, wait);
  if (!wait && logoff.hangup === 'sent') {
    track(logoff.done);
    return { target, session, error: null };
  }
  return outcomeOf(target, session.UserName, await logoff.done);
}

export async function logoffSessions(
  sessions: readonly LinuxSession[],
  targets: readonly SessionTarget[],
  wait: boolean,
  track: TrackBackground,
): Promise<ActionOutcome[]> {
  const byId = new Map(sessions.map((s) => [s.session.SessionId, s]));
  return Promise.all(
    targets.map((target) =>
      logoffOne(target, byId, wait, track).catch(
        (err: unknown): ActionOutcome => ({ target, session: null, error: backendFailed(target, err) }),
      ),
    ),
  );
}
