/**
 * The Windows backend: Remote Desktop Services sessions through wtsapi32 (koffi), local or on
 * remote computers. A remote computer's listing, log-offs and disconnects are made of koffi's
 * asynchronous calls from this thread (async-calls.ts, remote-list.ts, remote-actions.ts: hundreds
 * in flight on libuv's pool, no worker thread); this computer, messages, processes and locks run in
 * worker threads of a bounded pool (pool.ts). This
 * side groups work by computer and turns Win32 codes into ComputerErrors and TargetErrors
 * (win32-errors.ts). Only this folder imports koffi.
 */
import { ComputerError, type ActionHandlers, type Backend, type ListOptions, type SessionOutcome } from '../backend.ts';
import { groupByComputer, isLocalComputer, reportedComputerName } from '../local-computer.ts';
import type { TargetError } from '../../protocol/errors.ts';
import type { SessionTarget, UserSession } from '../../protocol/session.ts';
import type { ParamsOf, ResultOf } from '../../protocol/method.ts';
import type { ListSessionProcesses } from '../../protocol/methods.ts';
import type { SessionProcess } from '../../protocol/process.ts';
import type { ActionJob, ActionKind, ActionRow, ListJob, ProcessRow, Reply } from './jobs.ts';
import { sendMessages } from './message.ts';
import { AsyncWts } from './async-calls.ts';
import { JobClock } from './job-clock.ts';
import { WorkerPool } from './pool.ts';
import { actRemote } from './remote-actions.ts';
import { listRemote } from './remote-list.ts';
import { nativeCallLimit } from './threadpool.ts';
import { errorIdOf, failureDetail, failureMessage, type Win32Failure } from './win32-errors.ts';
import { startWorker } from './worker-url.ts';

export interface WtsBackendOptions {
  /** One library exporting every function (SESSIONTOOLS_WTSAPI_PATH); null: the Windows system DLLs. */
  libraryPath?: string | null;
  /** Workers running tasks at once (this computer's listing, actions, messages; default 64). */
  poolSize?: number;
  /** Asynchronous calls holding libuv threads at once, given up ones included (default: threadpool.ts's nativeCallLimit). */
  maxNativeCalls?: number;
  /** Workers left running in a native call after their job was given up (default: poolSize). */
  maxAbandoned?: number;
  /** An idle worker ends after this many ms (default: never; a started worker is kept while the helper lives). */
  idleMs?: number;
}

const DEFAULT_POOL_SIZE = 64;

const ACTION_TEXT: Record<ActionKind, string> = { logoff: 'Logging off', disconnect: 'Disconnecting', lock: 'Locking' };

/** LockWorkStation locks only the caller's own session: any other is refused with what to use instead. */
function lockNotSupported(target: SessionTarget, computerName: string, ownSession: number | null): TargetError {
  const whose = ownSession === null ? `on ${computerName}, another computer` : `not this PowerShell's own session (${ownSession})`;
  return targetError(
    target,
    computerName,
    'NotSupportedOnPlatform',
    `Session ${target.SessionId} cannot be locked: Windows locks only the session the caller runs in (LockWorkStation), and session ${target.SessionId} is ${whose}. ` +
      'Use Disconnect-UserSession to keep it running behind the sign-in screen, or Send-UserSessionMessage to ask its user to lock it.',
  );
}

/** The computer to open (null: this one) and the name to report, for a name as the caller gave it. */
function computerOf(name: string | null | undefined): { computer: string | null; computerName: string } {
  return isLocalComputer(name) ? { computer: null, computerName: reportedComputerName(name) } : { computer: (name as string).trim(), computerName: name as string };
}

/** Targets grouped by computer (one server handle each), with their indexes in `targets`. */
function byComputer(targets: readonly SessionTarget[]): { computer: string | null; computerName: string; indexes: number[] }[] {
  return groupByComputer(targets).map((g) => ({ ...computerOf(g.targets[0]?.ComputerName), indexes: g.indexes }));
}

function targetError(target: SessionTarget, computerName: string, ErrorId: TargetError['ErrorId'], Message: string): TargetError {
  return { ErrorId, Message, Target: target.SessionId, ComputerName: computerName };
}

function actionError(kind: ActionKind, target: SessionTarget, computerName: string, failure: Win32Failure): TargetError {
  const errorId = errorIdOf(failure.code);
  const what = `${ACTION_TEXT[kind]} session ${target.SessionId} on ${computerName} failed`;
  const message = errorId === 'SessionNotFound' ? `No session with id ${target.SessionId} on ${computerName} (${failureDetail(failure)}).` : failureMessage(what, failure);
  return targetError(target, computerName, errorId, message);
}

class WtsBackend implements Backend {
  readonly name = 'wts';
  private readonly pool: WorkerPool;
  private readonly remote: AsyncWts;

  constructor(opts: WtsBackendOptions) {
    const size = opts.poolSize ?? DEFAULT_POOL_SIZE;
    const workerData = { libraryPath: opts.libraryPath ?? null };
    this.pool = new WorkerPool({ size, maxAbandoned: opts.maxAbandoned ?? size, idleMs: opts.idleMs, start: () => startWorker(workerData) });
    this.remote = new AsyncWts(workerData.libraryPath, opts.maxNativeCalls ?? nativeCallLimit());
  }

  /** This computer on the workers; a remote one with asynchronous calls. Both time out `timeoutMs` after their first call started. */
  private listing(job: ListJob, signal: AbortSignal, timeoutMs: number | undefined): Promise<Reply> {
    const { computer } = job;
    if (computer === null) return this.pool.run(job, signal, { timeoutMs });
    const clock = new JobClock(signal, timeoutMs);
    return listRemote(this.remote, { ...job, computer }, clock.signal, clock.onStart).finally(() => clock.stop());
  }

  async list(name: string | null, opts: ListOptions): Promise<UserSession[]> {
    const { computer, computerName } = computerOf(name);
    let reply: Reply;
    try {
      reply = await this.listing({ op: 'list', computer, computerName, includeSystem: opts.includeSystem }, opts.signal, opts.timeoutMs);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') {
        // Our own clock (started when a worker began asking) or the caller's backstop.
        const within = opts.signal.aborted || opts.timeoutMs === undefined ? 'in time; the listing was given up' : `within ${opts.timeoutMs / 1000} s`;
        throw new ComputerError('ComputerTimeout', `${computerName} did not answer ${within}.`);
      }
      throw new ComputerError('BackendFailed', `Listing the sessions of ${computerName} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (reply.ok) return reply.value as UserSession[];
    if ('win32' in reply) throw new ComputerError(errorIdOf(reply.win32.code), failureMessage(`Listing the sessions of ${computerName} failed`, reply.win32), reply.win32.code);
    throw new ComputerError('BackendFailed', `Listing the sessions of ${computerName} failed: ${reply.message}`);
  }

  readonly actions: ActionHandlers = {
    'sessions.logoff': async (p) => ({ Outcomes: await this.act('logoff', p.Targets, p.Wait) }),
    'sessions.disconnect': async (p) => ({ Outcomes: await this.act('disconnect', p.Targets, p.Wait) }),
    'sessions.message': async (p) => ({ Outcomes: await sendMessages(this.pool, p) }),
    'sessions.lock': async (p) => {
      // Only this computer's sessions reach a worker; a remote one can never be the caller's.
      const local = p.Targets.filter((t) => isLocalComputer(t.ComputerName));
      const done = await this.act('lock', local, false);
      return {
        Outcomes: p.Targets.map((t) => (isLocalComputer(t.ComputerName) ? (done.shift() as SessionOutcome) : { Target: t, Item: null, Error: lockNotSupported(t, computerOf(t.ComputerName).computerName, null) })),
      };
    },
  };

  /** A log-off or disconnect of a remote computer with asynchronous calls (remote-actions.ts); the rest on the workers. */
  private async action(job: ActionJob): Promise<Reply> {
    const { computer, op } = job;
    if (computer === null || op === 'lock') return this.pool.run(job);
    return { ok: true, value: await actRemote(this.remote, { ...job, op, computer }) };
  }

  /** One job (one server handle) per computer, all computers at once; outcomes in target order. */
  private async act(kind: ActionKind, targets: SessionTarget[], wait: boolean): Promise<SessionOutcome[]> {
    const outcomes: SessionOutcome[] = new Array(targets.length);
    await Promise.all(
      byComputer(targets).map(async ({ computer, computerName, indexes }) => {
        const ids = indexes.map((i) => (targets[i] as SessionTarget).SessionId);
        let rows: ActionRow[] | null = null;
        let failed: string;
        try {
          const reply = await this.action({ op: kind, computer, computerName, ids, wait });
          if (reply.ok) rows = reply.value as ActionRow[];
          failed = reply.ok ? '' : 'win32' in reply ? failureDetail(reply.win32) : reply.message;
        } catch (e) {
          failed = e instanceof Error ? e.message : String(e);
        }
        indexes.forEach((i, k) => {
          const target = targets[i] as SessionTarget;
          const row = rows?.[k];
          if (row === undefined) {
            const error = targetError(target, computerName, 'BackendFailed', `${ACTION_TEXT[kind]} session ${target.SessionId} on ${computerName} failed: ${failed}`);
            outcomes[i] = { Target: target, Item: null, Error: error };
          } else {
            const error = row.ownSession !== undefined ? lockNotSupported(target, computerName, row.ownSession) : row.failure ? actionError(kind, target, computerName, row.failure) : null;
            outcomes[i] = { Target: target, Item: error === null ? row.session : null, Error: error };
          }
        });
      }),
    );
    return outcomes;
  }

  /** One job (one server handle) per computer, all computers at once; processes and errors in target order. */
  async processes(p: ParamsOf<typeof ListSessionProcesses>): Promise<ResultOf<typeof ListSessionProcesses>> {
    const perTarget: { items: SessionProcess[]; error: TargetError | null }[] = new Array(p.Targets.length);
    await Promise.all(
      byComputer(p.Targets).map(async ({ computer, computerName, indexes }) => {
        const ids = indexes.map((i) => (p.Targets[i] as SessionTarget).SessionId);
        let rows: ProcessRow[] | null = null;
        let failed = '';
        try {
          const reply = await this.pool.run({ op: 'processes', computer, computerName, ids });
          if (reply.ok) rows = reply.value as ProcessRow[];
          else failed = 'win32' in reply ? failureDetail(reply.win32) : reply.message;
        } catch (e) {
          failed = e instanceof Error ? e.message : String(e);
        }
        indexes.forEach((i, k) => {
          const target = p.Targets[i] as SessionTarget;
          const row = rows?.[k];
          const what = `Listing the processes of session ${target.SessionId} on ${computerName} failed`;
          if (row === undefined) perTarget[i] = { items: [], error: targetError(target, computerName, 'BackendFailed', `${what}: ${failed}`) };
          else if (row.failure !== null) perTarget[i] = { items: [], error: targetError(target, computerName, errorIdOf(row.failure.code), failureMessage(what, row.failure)) };
          // WTS_PROCESS_INFO_EXW has no start time.
          else perTarget[i] = { items: row.processes.map((r) => ({ ComputerName: computerName, ...r, StartTime: null })), error: null };
        });
      }),
    );
    return { Items: perTarget.flatMap((t) => t.items), Errors: perTarget.flatMap((t) => (t.error === null ? [] : [t.error])) };
  }

  /** Only this computer's sessions reach the test (src/helper/current.ts). */
  async currentSession(): Promise<(s: UserSession) => boolean> {
    const reply = await this.pool.run({ op: 'ownSession' });
    if (!reply.ok) return () => false;
    const own = reply.value as number;
    return (s) => s.SessionId === own;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.remote.shutdown()]);
  }

  /** Workers and asynchronous calls still inside a native call (a host that hangs). */
  stuckCalls(): number {
    return this.pool.stuck + this.remote.inFlight;
  }
}

export function createWtsBackend(opts: WtsBackendOptions = {}): Backend {
  return new WtsBackend(opts);
}
