/**
 * A request about sessions of several computers answered by a deadline (answer-by.ts): the targets
 * go to the backend one call per computer, all at once, and a computer whose call has not returned
 * by then is left out (null), so that the others' answers still reach the client before it stops
 * waiting and stops the helper (HelperTimeout, every answer lost). The late call is not stopped: a
 * call to a computer that stopped answering keeps its slot until Windows returns it
 * (docs/wts-api.md 5.9); what it ends with goes nowhere.
 */
import { groupByComputer } from '../backend/local-computer.ts';
import type { SessionTarget } from '../protocol/session.ts';

/** One computer's targets (with their indexes in the request's) and its answer, or null when it was late. */
export interface ComputerAnswer<R> {
  indexes: number[];
  targets: SessionTarget[];
  result: R | null;
}

/** `call` once per computer of `targets`; each answer as it came by `deadline` (a Date.now() time), else null. */
export async function byComputerByDeadline<R>(targets: readonly SessionTarget[], call: (targets: SessionTarget[]) => Promise<R>, deadline: number): Promise<ComputerAnswer<R>[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.all(
      groupByComputer(targets).map(async (group) => {
        const answer = call(group.targets);
        // Answered without it when it is late: what it ends with goes nowhere.
        answer.catch(() => undefined);
        return { ...group, result: await Promise.race([answer, timeUp]) };
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}
