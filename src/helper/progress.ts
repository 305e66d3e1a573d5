/**
 * Progress of a long request, for the client's Write-Progress. A client that asks for it in its
 * initialize (Progress: true; the module does) gets, while a request of its runs longer than
 * PROGRESS_AFTER_MS, a JSON-RPC notification (a request without id, JSON-RPC 2.0 section 4.1)
 * every PROGRESS_EVERY_MS until the answer, which always comes after the last of them:
 *
 *   {"jsonrpc":"2.0","method":"progress","params":{"Id":<the request's id>,"Completed":<n>|null,"Total":<n>|null}}
 *
 * Total: the computers of a fan-out, or the targets of an action; Completed: the computers
 * answered so far (fanout.ts counts them through requestProgress()), null where nothing counts
 * them (an action's targets are done together). The client reads it in HelperClient.cs (Exchange)
 * and shows it only where the host can (Client/Progress.cs). A client that did not ask gets none,
 * so every answer is still the next line it reads.
 *
 * A method finds its request's Progress with requestProgress() in the synchronous part of its
 * start (before its first await: json-rpc-2.0 calls the method synchronously from receive(), and
 * fanout.ts asks first thing). No AsyncLocalStorage: on Node 20 it turns on promise hooks for every
 * promise the helper makes (measured here: about 15% of the main thread's CPU in a 500-host
 * fan-out, whose every native call makes promises).
 */
import type { JSONRPCRequest } from 'json-rpc-2.0';

export const PROGRESS_METHOD = 'progress';
/** A request that answers within this gets no progress at all. */
export const PROGRESS_AFTER_MS = 1000;
export const PROGRESS_EVERY_MS = 250;

/** What a request has done so far: its code counts here. */
export interface Progress {
  completed: number | null;
  total: number | null;
}

/** The Progress of the request whose serve() is running synchronously now. */
let current: Progress | undefined;

/**
 * The progress of the request being served (undefined when none is reported for it): only in the
 * synchronous part of the method's start, before its first await.
 */
export function requestProgress(): Progress | undefined {
  return current;
}

/** The targets of an action's params (its Total), when it has them. */
function targetCount(params: unknown): number | null {
  const targets = (params as { Targets?: unknown } | null | undefined)?.Targets;
  return Array.isArray(targets) ? targets.length : null;
}

/** Where progress goes: off until an initialize asks for it (enable), then to `write` as lines. */
export class ProgressChannel {
  private enabled = false;

  constructor(private readonly write: (line: string) => void) {}

  /** The initialize's Progress: whether this client wants progress notifications. */
  enable(on: boolean): void {
    this.enabled = on;
  }

  /** Serves `request`, writing its progress while it runs long (requests only, not notifications). */
  async around<T>(request: JSONRPCRequest, serve: () => PromiseLike<T>): Promise<T> {
    const id = request.id;
    if (!this.enabled || id === undefined || id === null) return serve();
    const progress: Progress = { completed: null, total: targetCount(request.params) };
    let timer: NodeJS.Timeout;
    const tick = (): void => {
      this.write(JSON.stringify({ jsonrpc: '2.0', method: PROGRESS_METHOD, params: { Id: id, Completed: progress.completed, Total: progress.total } }));
      timer = setTimeout(tick, PROGRESS_EVERY_MS);
    };
    timer = setTimeout(tick, PROGRESS_AFTER_MS);
    try {
      const outer = current;
      current = progress;
      let served: PromiseLike<T>;
      try {
        served = serve();
      } finally {
        current = outer;
      }
      return await served;
    } finally {
      clearTimeout(timer);
    }
  }
}
