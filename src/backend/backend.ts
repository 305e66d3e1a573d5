/**
 * What every platform backend provides. The helper picks one by platform (see select.ts); the RPC
 * methods call only this interface.
 */
import type { SessionTarget, UserSession } from '../protocol/session.ts';
import type { ActionOutcome } from '../protocol/rpc.ts';

export interface Backend {
  /** A short name for the handshake and logs: "linux-utmp", "wts". */
  readonly name: string;
  /** Every user session on the computer (no filtering; the caller filters). */
  list(): Promise<UserSession[]>;
  /** Log each session off. One outcome per target, in order; one failure never stops the others. */
  logoff(targets: SessionTarget[], wait: boolean): Promise<ActionOutcome[]>;
  /** Disconnect each session, keeping it alive. */
  disconnect(targets: SessionTarget[], wait: boolean): Promise<ActionOutcome[]>;
  /** Release what the backend holds (handles, workers). */
  close?(): Promise<void>;
}
