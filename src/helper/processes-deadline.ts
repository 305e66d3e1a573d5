/**
 * The processes of sessions of several computers (sessions.processes) answered before the
 * module's client stops waiting (computer-deadline.ts): the targets of a computer whose listing has
 * not returned by then are ComputerTimeout errors, the others' processes come as listed, in target
 * order. Without this, one computer that went away after the listing (its calls hold until Windows
 * gives up) held the whole answer past the client's wait, and the client stopped the helper
 * (HelperTimeout), losing every computer's processes.
 *
 * Each computer is asked once for each session: a session named twice (in any spelling of its
 * computer) gets the same processes and errors twice, in the places it was named.
 */
import { reportedComputerName } from '../backend/local-computer.ts';
import type { TargetError } from '../protocol/errors.ts';
import type { ResultOf } from '../protocol/method.ts';
import type { ListSessionProcesses } from '../protocol/methods.ts';
import type { SessionTarget } from '../protocol/session.ts';
import { byComputerByDeadline } from './computer-deadline.ts';

type Result = ResultOf<typeof ListSessionProcesses>;
type List = (params: { Targets: SessionTarget[] }) => Promise<Result>;

/** The error of a target whose computer had not answered by the deadline. */
function notAnswered(target: SessionTarget): TargetError {
  const computerName = reportedComputerName(target.ComputerName);
  const message =
    `Listing the processes of session ${target.SessionId} on ${computerName} was not answered before the command's time ran out: ` +
    `${computerName} did not answer, or the call still waits for a free slot (calls to computers that do not answer hold theirs).`;
  return { ErrorId: 'ComputerTimeout', Message: message, Target: target.SessionId, ComputerName: computerName };
}

/** The first target of each session id, in order. */
function distinctSessions(targets: readonly SessionTarget[]): SessionTarget[] {
  const seen = new Set<number>();
  return targets.filter((t) => !seen.has(t.SessionId) && seen.add(t.SessionId));
}

/** Values of `xs` by `key`, each list in the order of `xs`. */
function bucket<T>(xs: readonly T[], key: (x: T) => number): Map<number, T[]> {
  const by = new Map<number, T[]>();
  for (const x of xs) {
    const list = by.get(key(x));
    if (list === undefined) by.set(key(x), [x]);
    else list.push(x);
  }
  return by;
}

/** `list` once per computer of `params.Targets`; processes and errors in target order, by `deadline` (a Date.now() time). */
export async function processesByDeadline(list: List, params: { Targets: SessionTarget[] }, deadline: number): Promise<Result> {
  const perTarget: { items: Result['Items']; errors: TargetError[] }[] = new Array(params.Targets.length);
  for (const { indexes, targets, result } of await byComputerByDeadline(params.Targets, (targets) => list({ Targets: distinctSessions(targets) }), deadline)) {
    if (result === null) {
      indexes.forEach((i, k) => (perTarget[i] = { items: [], errors: [notAnswered(targets[k] as SessionTarget)] }));
      continue;
    }
    const items = bucket(result.Items, (p) => p.SessionId);
    const errors = bucket(result.Errors, (e) => Number(e.Target));
    indexes.forEach((i, k) => {
      const id = (targets[k] as SessionTarget).SessionId;
      perTarget[i] = { items: items.get(id) ?? [], errors: errors.get(id) ?? [] };
    });
  }
  return { Items: perTarget.flatMap((t) => t.items), Errors: perTarget.flatMap((t) => t.errors) };
}
