/**
 * A log-off or disconnect answers every target before the module's client stops waiting
 * (answer-by.ts, computer-deadline.ts: one backend call per computer, all at once; the backend acts
 * on each computer in a lane of its own anyway): the targets of a computer that has not answered by
 * then are answered ActionTimedOut. The action may still happen, as the error says.
 *
 * Without this, one computer that went away between the listing and the log-off (an action has no
 * timeout of its own: a log-off with bWait waits for Windows) held the whole answer past the
 * client's wait; the client then stopped the helper (HelperTimeout) and the outcomes of every other
 * computer, whose sessions had been logged off, were lost.
 */
import type { SessionOutcome } from '../backend/backend.ts';
import { reportedComputerName } from '../backend/local-computer.ts';
import type { TargetError } from '../protocol/errors.ts';
import type { ActionResult } from '../protocol/method.ts';
import type { SessionTarget, UserSession } from '../protocol/session.ts';
import { byComputerByDeadline } from './computer-deadline.ts';

type Act<P> = (params: P) => Promise<ActionResult<UserSession>>;

/** The error of a target whose computer had not answered `what` (e.g. "Logging off") by the deadline. */
function notAnswered(what: string, target: SessionTarget): TargetError {
  const computerName = reportedComputerName(target.ComputerName);
  const message =
    `${what} session ${target.SessionId} on ${computerName} was not answered before the command's time ran out: ` +
    `${computerName} may still be acting on it, or the call may still wait for a free slot (calls to computers that do not answer hold theirs); the action may still take effect.`;
  return { ErrorId: 'ActionTimedOut', Message: message, Target: target.SessionId, ComputerName: computerName };
}

/** `act` once per computer of `params.Targets`; outcomes in target order, each by `deadline` (a Date.now() time). */
export async function actByDeadline<P extends { Targets: SessionTarget[] }>(act: Act<P>, params: P, deadline: number, what: string): Promise<ActionResult<UserSession>> {
  const outcomes: SessionOutcome[] = new Array(params.Targets.length);
  for (const { indexes, targets, result } of await byComputerByDeadline(params.Targets, (targets) => act({ ...params, Targets: targets }), deadline)) {
    indexes.forEach((i, k) => {
      const target = targets[k] as SessionTarget;
      outcomes[i] = result === null ? { Target: target, Item: null, Error: notAnswered(what, target) } : (result.Outcomes[k] as SessionOutcome);
    });
  }
  return { Outcomes: outcomes };
}
