/**
 * Log-off requests that arrive together are served by one run of logoffSessions (logoff.ts): one
 * look at utmp and one pass over /proc for all of their targets. Stop-UserSession hands its
 * targets over in batches while PowerShell still binds the rest (Client/CommandCall.cs); the
 * requests that reach the helper while a run looks at /proc (a synchronous pass, during which
 * nothing else is read) wait for the next turn of the event loop, and that turn serves them all
 * in one run. So the passes never outnumber the runs the helper has time for, and each request is
 * still served by a pass made after it arrived: what it finds and signals is exactly what one
 * request alone would (logoff.ts), only together with the others.
 *
 * Requests with and without Wait are not mixed (logoffSessions takes one Wait).
 *
 * A run that follows another waits until the helper has been idle for as long as that run worked
 * (its look, bindings and first signals, which all happen before the helper reads anything
 * again): while batches stream in, at most half of the helper's time goes to runs, and the
 * processes already signalled get the CPU to exit; each run serves more batches. Measured with
 * 16 batches of 64 over 60 ms (load 10-15): a run each turn cost the helper 3-4 times the CPU of one
 * request.
 */
import type { SessionTarget } from '../../protocol/session.ts';
import type { SessionOutcome } from '../backend.ts';

type Run = (targets: readonly SessionTarget[], wait: boolean) => Promise<SessionOutcome[]>;

interface Queued {
  targets: readonly SessionTarget[];
  resolve: (outcomes: SessionOutcome[]) => void;
  reject: (err: unknown) => void;
}

/** `run` for each request, the requests of one turn of the event loop together: one outcome per target, per request, in order. */
export function togetherPerTurn(run: Run): Run {
  const queues = new Map<boolean, Queued[]>();
  /** When the last run's synchronous work ended, and how long it took (performance.now()). */
  let lastEnd = -Infinity;
  let lastCost = 0;
  const start = (wait: boolean): void => {
    const queue = queues.get(wait) ?? [];
    queues.delete(wait);
    const began = performance.now();
    setImmediate(() => {
      lastEnd = performance.now();
      lastCost = lastEnd - began;
    });
    run(
      queue.flatMap((q) => q.targets),
      wait,
    ).then(
      (outcomes) => {
        let at = 0;
        for (const q of queue) q.resolve(outcomes.slice(at, (at += q.targets.length)));
      },
      (err: unknown) => {
        for (const q of queue) q.reject(err);
      },
    );
  };
  return (targets, wait) =>
    new Promise((resolve, reject) => {
      let queue = queues.get(wait);
      if (queue === undefined) {
        queues.set(wait, (queue = []));
        const idle = lastEnd + lastCost - performance.now();
        if (idle > 0) setTimeout(start, idle, wait);
        else setImmediate(start, wait);
      }
      queue.push({ targets, resolve, reject });
    });
}
