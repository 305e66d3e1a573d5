/**
 * What every platform backend provides. The helper picks one by platform (see select.ts); the RPC
 * methods call only this interface.
 */
import type { SessionTarget, UserSession } from '../protocol/session.ts';
import type { ActionOutcome } from '../protocol/rpc.ts';
import type { ErrorId } from '../protocol/errors.ts';

export interface ListOptions {
  /** Also the services session 0 and listener sessions. */
  includeSystem: boolean;
  /** Aborted when the caller stops waiting (the per-computer timeout): release what you can. */
  signal: AbortSignal;
}

/** A failure of a whole computer (unreachable, access denied): one error for that computer. */
export class ComputerError extends Error {
  constructor(
    readonly errorId: ErrorId,
    message: string,
    /** The system's own code, when there is one (a Win32 error code). */
    readonly code: number | null = null,
  ) {
    super(message);
  }
}

export interface Backend {
  /** A short name for the handshake and logs: "linux-utmp", "wts". */
  readonly name: string;
  /**
   * Every user session on one computer (null: this one), unfiltered but for `includeSystem`.
   * A failure of the whole computer throws a ComputerError. Called concurrently for many computers.
   */
  list(computer: string | null, opts: ListOptions): Promise<UserSession[]>;
  /** Log each session off. One outcome per target, in order; one failure never stops the others.
   *  Targets may name several computers (SessionTarget.ComputerName; null: this one). */
  logoff(targets: SessionTarget[], wait: boolean): Promise<ActionOutcome[]>;
  /** Disconnect each session, keeping it alive. */
  disconnect(targets: SessionTarget[], wait: boolean): Promise<ActionOutcome[]>;
  /** Release what the backend holds (handles, workers). */
  close?(): Promise<void>;
  /**
   * Native calls still running that nothing can interrupt (a dead host's RPC timeout). Node waits
   * for them at exit, so the helper ends itself differently while there are any.
   */
  stuckCalls?(): number;
}
