/**
 * A bounded pool of WTS worker threads. Each worker makes synchronous koffi calls, which may block
 * it for as long as Windows takes (an unreachable host: an RPC timeout of tens of seconds; a logoff
 * with bWait), so the helper's main thread never blocks and one slow host never delays another.
 *
 * - At most `size` workers run jobs; they start on demand, so the number in use follows the
 *   fan-out's concurrency (min(size, ThrottleLimit)), and end after `idleMs` without work.
 * - A job whose signal aborts (the per-computer timeout) is answered at once with an AbortError. If
 *   it was running, its worker cannot be interrupted inside the native call: it is ABANDONED
 *   (left to finish in the background, then ended) and no longer counts against `size`, so a
 *   replacement can start and the pool keeps its capacity. At most `maxAbandoned` may linger; past
 *   that, new jobs wait for one of them to finish, so the total number of threads stays bounded
 *   (size + maxAbandoned).
 * - A job still waiting for a worker when its signal aborts is dropped without running.
 */
import type { Worker } from 'node:worker_threads';
import type { Job, Reply } from './jobs.ts';

export interface PoolOptions {
  size: number;
  maxAbandoned: number;
  idleMs: number;
  start: () => Worker;
}

interface Task {
  job: Job;
  signal: AbortSignal | undefined;
  resolve: (reply: Reply) => void;
  reject: (e: Error) => void;
  onAbort: () => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  idleTimer: NodeJS.Timeout | undefined;
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
}

export class WorkerPool {
  /** Workers that count against `size`: idle (task null) or running a job. */
  private readonly live = new Set<Slot>();
  /** Workers whose job was given up while they were inside a native call. */
  private readonly abandoned = new Set<Slot>();
  private readonly queue: Task[] = [];
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  /** Runs `job` on a worker; rejects with an AbortError as soon as `signal` aborts. */
  run(job: Job, signal?: AbortSignal): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('The WTS worker pool is closed.'));
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<Reply>((resolve, reject) => {
      const task: Task = { job, signal, resolve, reject, onAbort: () => this.abort(task) };
      signal?.addEventListener('abort', task.onAbort, { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  /** Workers still inside a call whose caller gave up (or that close() left running). */
  get stuck(): number {
    return this.abandoned.size;
  }

  /**
   * Fails waiting and running jobs and ends the idle workers. A worker inside a call is not
   * terminated (that would drop the buffers and handles its job still has to free and close): like
   * an abandoned one, it ends when the call returns, and it does not keep the process alive.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) this.settle(task, () => task.reject(new Error('The WTS worker pool was closed.')));
    const idle: Slot[] = [];
    for (const slot of [...this.live]) {
      this.live.delete(slot);
      clearTimeout(slot.idleTimer);
      const task = slot.task;
      if (task === null) {
        idle.push(slot);
        continue;
      }
      slot.task = null;
      this.abandoned.add(slot);
      slot.worker.unref();
      this.settle(task, () => task.reject(new Error('The WTS worker pool was closed.')));
    }
    await Promise.all(idle.map((s) => s.worker.terminate()));
  }

  private settle(task: Task, how: () => void): void {
    task.signal?.removeEventListener('abort', task.onAbort);
    how();
  }

  private abort(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
    } else {
      const slot = [...this.live].find((s) => s.task === task);
      if (slot === undefined) return; // already answered
      this.live.delete(slot);
      slot.task = null;
      this.abandoned.add(slot);
      slot.worker.unref(); // it must not keep the process alive
    }
    this.settle(task, () => task.reject(abortError()));
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const slot = this.idleSlot() ?? this.spawn();
      if (slot === null) return;
      const task = this.queue.shift() as Task;
      clearTimeout(slot.idleTimer);
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage(task.job);
    }
  }

  private idleSlot(): Slot | null {
    for (const slot of this.live) if (slot.task === null) return slot;
    return null;
  }

  private spawn(): Slot | null {
    const { size, maxAbandoned } = this.opts;
    if (this.live.size >= size || this.live.size + this.abandoned.size >= size + maxAbandoned) return null;
    const slot: Slot = { worker: this.opts.start(), task: null, idleTimer: undefined };
    this.live.add(slot);
    slot.worker.on('message', (reply: Reply) => this.answered(slot, reply));
    slot.worker.on('error', (e: Error) => this.died(slot, `The WTS worker failed: ${e.message}`));
    slot.worker.on('exit', (code) => this.died(slot, `The WTS worker exited (code ${code}).`));
    return slot;
  }

  private answered(slot: Slot, reply: Reply): void {
    const task = slot.task;
    slot.task = null;
    if (this.abandoned.delete(slot)) {
      // Its job was given up long ago; now that the native call has returned, end it.
      void slot.worker.terminate();
    } else if (task !== null) {
      this.settle(task, () => task.resolve(reply));
      this.idle(slot);
    }
    this.pump();
  }

  private idle(slot: Slot): void {
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      if (slot.task !== null || !this.live.delete(slot)) return;
      void slot.worker.terminate();
    }, this.opts.idleMs);
    slot.idleTimer.unref();
  }

  private died(slot: Slot, message: string): void {
    clearTimeout(slot.idleTimer);
    const tracked = this.live.delete(slot) || this.abandoned.delete(slot);
    const task = slot.task;
    slot.task = null;
    if (tracked && task !== null) this.settle(task, () => task.reject(new Error(message)));
    this.pump();
  }
}
