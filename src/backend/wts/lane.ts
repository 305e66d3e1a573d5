import type { AsyncWts, CallOptions, Release } from './async-calls.ts';
import { Win32Error, type EnumeratedSession } from './calls.ts';
import { abortError } from './job-clock.ts';
import type { Answer, Query } from './queries.ts';

/**
 * One server handle of a remote computer and the calls made on it, one at a time, in one slot of
 * the asynchronous calls (async-calls.ts), held from the open to the close: a listing runs in
 * several (remote-list.ts), the actions of one computer in one (remote-actions.ts). No handle is
 * used by two threads at once, and a lane given up on closes its handle once its call returns.
 */
export class Lane {
  private handle: bigint | null = null;
  private opening: Promise<bigint> | null = null;
  private closed: Promise<void> | null = null;
  /** Steps begun and not yet returned: the wait for a slot, or a native call (also one given up on). */
  private busy = 0;
  /** Wakes close() when `busy` drops to 0. */
  private idle: (() => void) | null = null;
  /** Set by close(): no further call starts. */
  private closing = false;
  /** Every call's options: one object per lane, not per call. */
  private readonly opts: CallOptions;

  /** `release`: a slot the lane already holds; without it, the lane waits for one. */
  constructor(
    private readonly wts: AsyncWts,
    private readonly computer: string,
    private readonly signal: AbortSignal,
    private release: Release | null = null,
  ) {
    this.opts = { signal, onReturn: this.returned };
  }

  private readonly returned = (): void => {
    if (--this.busy > 0 || this.idle === null) return;
    const wake = this.idle;
    this.idle = null;
    wake();
  };

  /** A native call of this lane: counted until it returns (onReturn), however its answer ends. */
  private native<T>(start: (opts: CallOptions) => Promise<T>): Promise<T> {
    this.usable();
    this.busy++;
    return start(this.opts);
  }

  /** Its slot, then its handle; `onStart` when the open starts (the computer's clock, job-clock.ts). */
  open(onStart?: () => void): Promise<bigint> {
    if (this.handle !== null) return Promise.resolve(this.handle);
    this.opening ??= this.slotAndOpen(onStart);
    return this.opening;
  }

  private async slotAndOpen(onStart?: () => void): Promise<bigint> {
    this.busy++; // the wait for a slot
    let opened: Promise<bigint>;
    try {
      this.release ??= await this.wts.acquire(this.signal);
      opened = this.native((opts) => this.wts.open(this.computer, (h) => (this.handle = h), onStart ? { ...opts, onStart } : opts));
    } finally {
      this.returned();
    }
    return opened;
  }

  /** Throws once close() has begun: the handle is no longer this lane's to use. */
  private usable(): void {
    if (this.closing) throw abortError();
  }

  /** Every session: level 1 where the server has it, else the classic enumeration, on this lane's handle. */
  async enumerate(onStart: () => void): Promise<EnumeratedSession[]> {
    const h = await this.open(onStart);
    const sessions = await this.native((opts) => this.wts.enumerateEx(h, opts));
    return sessions ?? this.native((opts) => this.wts.enumerateClassic(h, opts));
  }

  /** The queries, one after another on this lane's handle; one answer each, in order. */
  async run(queries: readonly Query[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const q of queries) answers.push(await this.ask(q));
    return answers;
  }

  /** One query on this lane's handle: its value, or its Win32 failure as the answer. */
  async ask(q: Query): Promise<Answer> {
    const h = await this.open();
    try {
      return { id: q.id, cls: q.cls, ok: true, value: await this.native((opts) => this.wts.query(h, q.id, q.cls, opts)) } as Answer;
    } catch (e) {
      if (!(e instanceof Win32Error)) throw e;
      return { id: q.id, cls: q.cls, ok: false, failure: e.failure } as Answer;
    }
  }

  /** Logs off or disconnects session `id` on this lane's handle (bWait as asked); throws its Win32Error. */
  async act(kind: 'logoff' | 'disconnect', id: number, wait: boolean): Promise<void> {
    const h = await this.open();
    return this.native((opts) => this.wts.sessionAction(kind, h, id, wait, opts));
  }

  /** Once the lane's last call has returned: closes its handle, then gives its slot back. Resolves when done. */
  close(): Promise<void> {
    this.closing = true;
    this.closed ??= this.closeWhenIdle();
    return this.closed;
  }

  private async closeWhenIdle(): Promise<void> {
    while (this.busy > 0) await new Promise<void>((wake) => (this.idle = wake));
    const h = this.handle;
    this.handle = null;
    if (h !== null) await this.wts.closeServer(h);
    this.release?.();
  }
}
