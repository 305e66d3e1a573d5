/**
 * Stop-UserSession on Linux: the targets are kernel session ids, as Get-UserSession lists them
 * (identity.ts). One look at utmp and one pass over /proc for all targets (sessions.ts, held.ts:
 * each process that may be a target's is held by a pidfd opened before its one read), then each
 * target's processes bound (session-end.ts); then, for all targets together, the check that the
 * caller may signal them, SIGHUP in one loop, and the escalation with one shared wait
 * (escalation.ts, waiter.ts). One outcome per target, in input order; a failure is that target's
 * outcome and never stops the others.
 */
import { userInfo } from 'node:os';
import type { SessionTarget, UserSession } from '../../protocol/session.ts';
import type { TargetError } from '../../protocol/errors.ts';
import type { SessionOutcome } from '../backend.ts';
import { isLocalComputer } from '../local-computer.ts';
import { LOGOFF_TIMING, type EndResult, type LogoffTiming } from './escalation.ts';
import { readHeldPass, type HeldPass } from './held.ts';
import { bindSession, endSessions, type SessionEnd } from './session-end.ts';
import { readSessions, type LinuxSession, type SessionSource } from './sessions.ts';
import { accessDenied, backendFailed, remoteNotSupported, sessionNotFound, timedOut } from './target-errors.ts';
import type { Leader } from './waiter.ts';

/** Receives a background logoff (wait=false) so that the backend can let it finish on close(). */
export type TrackBackground = (done: Promise<EndResult>) => void;

function outcome(target: SessionTarget, session: UserSession | null, error: TargetError | null): SessionOutcome {
  return { Target: target, Item: session, Error: error };
}

function outcomeOf(target: SessionTarget, s: LinuxSession, result: EndResult, timing: LogoffTiming): SessionOutcome {
  const r = s.resolved.record;
  const who = { user: r.user, line: r.line === '' ? null : r.line };
  switch (result.kind) {
    case 'ended':
      return outcome(target, null, null);
    case 'denied':
      return outcome(target, null, accessDenied(target, who.user, who.line, callerName()));
    case 'timedOut':
      return outcome(target, null, timedOut(target, who.user, timing.afterKillMs));
    case 'failed':
      return outcome(target, null, backendFailed(target, result.error));
  }
}

/**
 * The user this process runs as; null for a uid that has no passwd entry (os.userInfo throws).
 * Asked only for a refusal: it reads /etc/passwd.
 */
function callerName(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/** A target found, with its processes bound. */
interface Bound {
  found: LinuxSession;
  leaders: Leader[];
}

/**
 * Each target found, with its processes bound (session-end.ts bindSession, from the pidfds the
 * pass holds), or the outcome it already has: another computer's, SessionNotFound, a failure.
 */
function bindTarget(target: SessionTarget, byId: ReadonlyMap<number, LinuxSession>, pass: HeldPass | null): Bound | SessionOutcome {
  if (!isLocalComputer(target.ComputerName)) return outcome(target, null, remoteNotSupported(target));
  const found = byId.get(target.SessionId);
  if (found === undefined) return outcome(target, null, sessionNotFound(target));
  try {
    const leaders = bindSession(found.resolved, pass === null ? undefined : (pid) => pass.take(pid));
    return leaders.length === 0 ? outcome(target, null, sessionNotFound(target)) : { found, leaders };
  } catch (err) {
    return outcome(target, null, backendFailed(target, err));
  }
}

/** The sessions, and the pass over /proc that holds the local targets' processes (none without local targets). */
async function look(src: SessionSource, local: readonly SessionTarget[]): Promise<{ sessions: LinuxSession[]; pass: HeldPass | null }> {
  const found: { sessions: LinuxSession[]; pass: HeldPass | null } = { sessions: [], pass: null };
  if (local.length === 0) return found;
  const ids = new Set(local.map((t) => t.SessionId));
  try {
    found.sessions = await readSessions(src, () => (found.pass = readHeldPass(ids)).processes);
  } catch (err) {
    found.pass?.release();
    throw err;
  }
  return found;
}

/** `timing`: the grace periods of the escalation (escalation.ts; the backend's). */
export async function logoffSessions(
  src: SessionSource,
  targets: readonly SessionTarget[],
  wait: boolean,
  track: TrackBackground,
  timing: LogoffTiming = LOGOFF_TIMING,
): Promise<SessionOutcome[]> {
  let seen: Awaited<ReturnType<typeof look>>;
  try {
    seen = await look(src, targets.filter((t) => isLocalComputer(t.ComputerName)));
  } catch (err) {
    // The utmp file (or /proc) unreadable: each local target's error, not the whole call's.
    return targets.map((t) => outcome(t, null, isLocalComputer(t.ComputerName) ? backendFailed(t, err) : remoteNotSupported(t)));
  }
  const byId = new Map(seen.sessions.map((s) => [s.resolved.id, s]));
  let steps: Array<Bound | SessionOutcome>;
  try {
    steps = targets.map((target) => bindTarget(target, byId, seen.pass));
  } finally {
    seen.pass?.release(); // the processes of no target's session
  }
  const bound = steps.filter((s): s is Bound => 'leaders' in s);
  const ends = new Map(endSessions(bound.map((b) => b.leaders), wait, timing).map((end, i) => [bound[i] as Bound, end]));
  return Promise.all(
    steps.map(async (step, i): Promise<SessionOutcome> => {
      if (!('leaders' in step)) return step;
      const target = targets[i] as SessionTarget;
      const end = ends.get(step) as SessionEnd;
      // Only a logoff that is not waited for answers with the session (as it was before the signal).
      if (!wait && end.hangup === 'sent') {
        track(end.done);
        return outcome(target, step.found.session, null);
      }
      return outcomeOf(target, step.found, await end.done, timing);
    }),
  );
}
