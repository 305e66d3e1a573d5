/**
 * A bounded pool of WTS worker threads, for this computer's listing and for the actions (a remote
 * computer's listing uses asynchronous calls instead, remote-list.ts). Each worker makes
 * synchronous koffi calls, which may block it for as long as Windows takes (an unreachable host: an
 * RPC timeout of tens of seconds; a logoff with bWait), so the helper's main thread never blocks
 * and one slow host never delays another.
 *
 * - `run(job)` is what the backend asks for: an action job is one task; a list job is split into
 *   tasks by list.ts, so that thousands of sessions are described on several workers at once.
 * - At most `size` workers run tasks. They start when tasks wait for them, at most `maxStarting`
 *   at a time, and a task goes to whichever worker is READY first (its libraries loaded): a task
 *   never waits for one particular worker to start. Starting a worker costs tens of milliseconds of
 *   CPU, so workers are kept once started, for as long as the pool lives (the helper's life), unless
 *   `idleMs` says otherwise.
 * - Describe tasks go ahead of the others: a computer already being listed finishes before the next
 *   one is begun, which frees its fan-out slot sooner.
 * - A task whose signal aborts is answered at once with an AbortError. If it was running, its
 *   worker cannot be interrupted inside the native call: it is ABANDONED (left to finish in the
 *   background, then ended) and no longer counts against `size`, so a replacement can start and the
 *   pool keeps its capacity. At most `maxAbandoned` may linger; past that, tasks wait for one of
 *   them to finish, so the total number of threads stays bounded (size + maxAbandoned).
 * - A task still waiting for a worker when its signal aborts is dropped without running.
 * - `timeoutMs` (per job or task) counts from the moment a worker starts the job's first task, not
 *   from when it was asked for: time spent waiting for a worker (all busy, or still starting) never
 *   counts against a computer.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Job, Reply, Task, TaskReply, WorkerMessage } from './jobs.ts';
import { abortError, JobClock } from './job-clock.ts';
import { listOnPool } from './list.ts';

export interface PoolOptions {
  size: number;
  maxAbandoned: number;
  /** An idle worker ends after this many ms; absent (or Infinity): kept while the pool lives. */
  idleMs?: number;
  /** Workers starting at once (default: the number of CPUs, at least 2). */
  maxStarting?: number;
  start: () => Worker;
}

export interface RunOptions {
  /** Give up (AbortError) this long after a worker started the job's first task. */
  timeoutMs?: number;
}

interface TaskOptions {
  /** Called when a worker starts the task. */
  onStart?: () => void;
}

interface Pending {
  task: Task;
  signal: AbortSignal | undefined;
  onStart: (() => void) | undefined;
  resolve: (reply: TaskReply) => void;
  reject: (e: Error) => void;
  onAbort: () => void;
}

interface Slot {
  worker: Worker;
  /** The worker said it is ready (libraries loaded); until then it takes no task. */
  ready: boolean;
  pending: Pending | null;
  idleTimer: NodeJS.Timeout | undefined;
}

/** How long close() lets a starting worker finish loading before it terminates it. */
const START_GRACE_MS = 5_000;

export class WorkerPool {
  /** Workers that count against `size`: starting, idle, or running a task. */
  private readonly live = new Set<Slot>();
  /** Workers whose task was given up while they were inside a native call. */
  private readonly abandoned = new Set<Slot>();
  /** Describe tasks (first) and the others. */
  private readonly urgent: Pending[] = [];
  private readonly queue: Pending[] = [];
  private readonly maxStarting: number;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.maxStarting = opts.maxStarting ?? Math.max(2, availableParallelism());
  }

  /** Runs a backend job; rejects with an AbortError as soon as `signal` aborts or the timeout passes. */
  run(job: Job, signal?: AbortSignal, opts: RunOptions = {}): Promise<Reply> {
    const clock = new JobClock(signal, opts.timeoutMs);
    const done: Promise<Reply> =
      job.op === 'list' ? listOnPool((t, s, o) => this.task(t, s, o), job, clock.signal, clock.onStart) : this.task(job, clock.signal, { onStart: clock.onStart });
    return done.finally(() => clock.stop());
  }

  /** Runs one task on a worker; rejects with an AbortError as soon as `signal` aborts. */
  task<T extends Task>(task: T, signal?: AbortSignal, opts: TaskOptions = {}): Promise<TaskReply<T>> {
    if (this.closed) return Promise.reject(new Error('The WTS worker pool is closed.'));
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<TaskReply<T>>((resolve, reject) => {
      const pending: Pending = { task, signal, onStart: opts.onStart, resolve: resolve as (r: TaskReply) => void, reject, onAbort: () => this.abort(pending) };
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      (task.op === 'describe' ? this.urgent : this.queue).push(pending);
      this.pump();
    });
  }

  /** Workers still inside a call whose caller gave up (or that close() left running). */
  get stuck(): number {
    return this.abandoned.size;
  }

  /** Workers started and not ended (starting, idle or busy; not the abandoned ones). */
  get workers(): number {
    return this.live.size;
  }

  /**
   * Fails waiting and running tasks and ends the idle workers. A worker inside a call is not
   * terminated (that would drop the buffers and handles its task still has to free and close): like
   * an abandoned one, it ends when the call returns, and it does not keep the process alive.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.urgent.splice(0), ...this.queue.splice(0)]) this.settle(p, () => p.reject(new Error('The WTS worker pool was closed.')));
    const ending: Slot[] = [];
    for (const slot of [...this.live]) {
      this.live.delete(slot);
      clearTimeout(slot.idleTimer);
      const p = slot.pending;
      if (p === null) {
        ending.push(slot);
        continue;
      }
      slot.pending = null;
      this.abandoned.add(slot);
      slot.worker.unref();
      this.settle(p, () => p.reject(new Error('The WTS worker pool was closed.')));
    }
    await Promise.all(ending.map((s) => this.end(s)));
  }

  /**
   * Terminates a worker once it has loaded: a worker terminated while koffi declares its functions
   * aborts the whole process (napi_throw, SIGABRT), as a helper ending right after its first
   * request showed. A worker that never gets ready (a library that hangs while loading) is ended
   * after START_GRACE_MS anyway.
   */
  private async end(slot: Slot): Promise<void> {
    if (!slot.ready) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, START_GRACE_MS);
        timer.unref();
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        slot.worker.once('message', done);
        slot.worker.once('exit', done);
      });
    }
    await slot.worker.terminate();
  }

  private settle(p: Pending, how: () => void): void {
    p.signal?.removeEventListener('abort', p.onAbort);
    how();
  }

  private abort(p: Pending): void {
    const waiting = this.urgent.includes(p) ? this.urgent : this.queue.includes(p) ? this.queue : null;
    if (waiting !== null) {
      waiting.splice(waiting.indexOf(p), 1);
    } else {
      const slot = [...this.live].find((s) => s.pending === p);
      if (slot === undefined) return; // already answered
      this.live.delete(slot);
      slot.pending = null;
      this.abandoned.add(slot);
      slot.worker.unref(); // it must not keep the process alive
    }
    this.settle(p, () => p.reject(abortError()));
    this.pump();
  }

  private next(): Pending | undefined {
    return this.urgent.shift() ?? this.queue.shift();
  }

  private pump(): void {
    if (this.closed) return;
    for (const slot of this.live) {
      if (!slot.ready || slot.pending !== null) continue;
      const p = this.next();
      if (p === undefined) break;
      this.assign(slot, p);
    }
    // Start workers for the tasks no ready worker took, within the bounds.
    let starting = [...this.live].filter((s) => !s.ready).length;
    const waiting = this.urgent.length + this.queue.length;
    while (starting < Math.min(waiting, this.maxStarting) && this.spawn()) starting++;
  }

  private assign(slot: Slot, p: Pending): void {
    clearTimeout(slot.idleTimer);
    slot.pending = p;
    slot.worker.ref();
    slot.worker.postMessage(p.task);
    p.onStart?.();
  }

  private spawn(): boolean {
    const { size, maxAbandoned } = this.opts;
    if (this.live.size >= size || this.live.size + this.abandoned.size >= size + maxAbandoned) return false;
    const slot: Slot = { worker: this.opts.start(), ready: false, pending: null, idleTimer: undefined };
    this.live.add(slot);
    slot.worker.on('message', (m: WorkerMessage) => ('ready' in m ? this.ready(slot) : this.answered(slot, m.reply)));
    slot.worker.on('error', (e: Error) => this.died(slot, `The WTS worker failed: ${e.message}`));
    slot.worker.on('exit', (code) => this.died(slot, `The WTS worker exited (code ${code}).`));
    return true;
  }

  private ready(slot: Slot): void {
    slot.ready = true;
    this.idle(slot);
    this.pump();
  }

  private answered(slot: Slot, reply: TaskReply): void {
    const p = slot.pending;
    slot.pending = null;
    if (this.abandoned.delete(slot)) {
      // Its task was given up long ago; now that the native call has returned, end it.
      void slot.worker.terminate();
    } else if (p !== null) {
      this.settle(p, () => p.resolve(reply));
      this.idle(slot);
    }
    this.pump();
  }

  private idle(slot: Slot): void {
    slot.worker.unref();
    const { idleMs } = this.opts;
    if (idleMs === undefined || !Number.isFinite(idleMs)) return;
    slot.idleTimer = setTimeout(() => {
      if (slot.pending !== null || !this.live.delete(slot)) return;
      void slot.worker.terminate();
    }, idleMs);
    slot.idleTimer.unref();
  }

  private died(slot: Slot, message: string): void {
    clearTimeout(slot.idleTimer);
    const tracked = this.live.delete(slot) || this.abandoned.delete(slot);
    if (!tracked) return;
    const p = slot.pending;
    slot.pending = null;
    // A worker that dies before it is ready fails the task that waited longest, so that a worker
    // that cannot start at all fails the tasks one by one instead of being started forever.
    const failed = p ?? (slot.ready ? undefined : this.next());
    if (failed !== undefined) this.settle(failed, () => failed.reject(new Error(message)));
    this.pump();
  }
}
