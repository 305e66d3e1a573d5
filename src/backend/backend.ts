/**
 * What every platform backend provides. The helper picks one by platform (see select.ts) and
 * serves the methods of src/protocol/methods.ts with it: sessions.list through `list`, once per
 * computer (the helper fans out and filters, src/helper/fanout.ts), and each action method
 * through the backend's handler of that name.
 */
import type { ErrorId } from '../protocol/errors.ts';
import type { Outcome, ParamsOf, ResultOf } from '../protocol/method.ts';
import type { ActionMethod, ListSessionProcesses } from '../protocol/methods.ts';
import type { UserSession } from '../protocol/session.ts';

export interface ListOptions {
  /** Also the services session 0 and listener sessions. */
  includeSystem: boolean;
  /** Aborted when the caller stops waiting: release what you can. */
  signal: AbortSignal;
  /**
   * -TimeoutSec of this computer, counted from the moment the backend starts asking it (not from
   * when it was queued behind other computers): past it, reject with ComputerError('ComputerTimeout').
   * A backend that answers from local files may ignore it; absent: only `signal` ends the wait.
   */
  timeoutMs?: number;
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

/** What an action reports about one session. */
export type SessionOutcome = Outcome<UserSession>;

/**
 * One handler per action method, by its name, typed by its declaration: it gets the checked params
 * (every field present) and answers one outcome per target, in order; a failure is that target's
 * outcome and never stops the others. Targets may name several computers (null: this one).
 */
export type ActionHandlers = { [M in ActionMethod as M['name']]: (params: ParamsOf<M>) => Promise<ResultOf<M>> };

export interface Backend {
  /** A short name for the handshake and logs: "linux-utmp", "wts". */
  readonly name: string;
  /**
   * Every user session on one computer (null: this one), unfiltered but for `includeSystem`.
   * A failure of the whole computer throws a ComputerError. Called concurrently for many computers.
   */
  list(computer: string | null, opts: ListOptions): Promise<UserSession[]>;
  readonly actions: ActionHandlers;
  /**
   * The processes of the target sessions (sessions.processes), in target order; a session that
   * does not exist, or a computer that fails, is an error in the result, never a throw.
   */
  processes(params: ParamsOf<typeof ListSessionProcesses>): Promise<ResultOf<typeof ListSessionProcesses>>;
  /**
   * Which of this computer's sessions PowerShell runs in (the helper's parent process): a test for
   * the sessions the backend lists. Absent: none is (IsCurrent is false everywhere).
   */
  currentSession?(): Promise<(s: UserSession) => boolean>;
  /** Release what the backend holds (handles, workers). */
  close?(): Promise<void>;
  /**
   * Native calls still running that nothing can interrupt (a dead host's RPC timeout). Node waits
   * for them at exit, so the helper ends itself differently while there are any.
   */
  stuckCalls?(): number;
}
