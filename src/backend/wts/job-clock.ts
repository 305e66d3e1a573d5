/**
 * One job's clock, shared by the worker pool (pool.ts) and the asynchronous calls (remote-list.ts):
 * its signal aborts when the caller's does, or `timeoutMs` after its first native call STARTED, so
 * that time spent waiting for a worker or a thread never counts against a computer.
 */

/** The error a given-up call or job rejects with. */
export function abortError(message = 'The operation was aborted.'): Error {
  return Object.assign(new Error(message), { name: 'AbortError' });
}

/**
 * One job's clock: its signal aborts when the caller's does, or `timeoutMs` after a worker started
 * its first task.
 */
export class JobClock {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly forward = (): void => this.controller.abort();

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly timeoutMs: number | undefined,
  ) {
    if (outer?.aborted) this.controller.abort();
    outer?.addEventListener('abort', this.forward, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  readonly onStart = (): void => {
    if (this.timeoutMs === undefined || this.timer !== undefined) return;
    this.timer = setTimeout(() => this.controller.abort(abortError(`No answer within ${this.timeoutMs} ms.`)), this.timeoutMs);
  };

  stop(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.forward);
  }
}
