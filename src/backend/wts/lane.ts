import type { AsyncWts, Release } from './async-calls.ts';
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
  /** When the lane's latest step (its slot and open, or a call) has returned (also one given up on). */
  private last: Promise<void> = Promise.resolve();
  /** Set by close(): no further call starts. */
  private closing = false;

  /** `release`: a slot the lane already holds; without it, the lane waits for one. */
  constructor(
    private readonly wts: AsyncWts,
    private readonly computer: string,
    private readonly signal: AbortSignal,
    private release: Release | null = null,
  ) {}

  /** Its slot, then its handle; `onStart` when the open starts (the computer's clock, job-clock.ts). */
  open(onStart?: () => void): Promise<bigint> {
    if (this.handle !== null) return Promise.resolve(this.handle);
    this.opening ??= this.slotAndOpen(onStart);
    return this.opening;
  }

  private async slotAndOpen(onStart?: () => void): Promise<bigint> {
    let done!: () => void;
    this.last = new Promise((r) => (done = r));
    try {
      this.release ??= await this.wts.acquire(this.signal);
      this.usable();
    } catch (e) {
      done();
      throw e;
    }
    const open = this.wts.open(this.computer, (h) => (this.handle = h), { signal: this.signal, onStart });
    void open.returned.then(done);
    return open.result;
  }

  /** Throws once close() has begun: the handle is no longer this lane's to use. */
  private usable(): void {
    if (this.closing) throw abortError();
  }

  async enumerate(onStart: () => void): Promise<EnumeratedSession[]> {
    const h = await this.open(onStart);
    this.usable();
    const call = this.wts.enumerate(h, { signal: this.signal });
    this.last = call.returned;
    return call.result;
  }

  /** The queries, one after another on this lane's handle; one answer each, in order. */
  async run(queries: readonly Query[]): Promise<Answer[]> {
    const h = await this.open();
    const answers: Answer[] = [];
    for (const q of queries) {
      this.usable();
      const call = this.wts.query(h, q.id, q.cls, { signal: this.signal });
      this.last = call.returned;
      try {
        answers.push({ id: q.id, cls: q.cls, ok: true, value: await call.result } as Answer);
      } catch (e) {
        if (!(e instanceof Win32Error)) throw e;
        answers.push({ id: q.id, cls: q.cls, ok: false, failure: e.failure } as Answer);
      }
    }
    return answers;
  }

  /** Logs off or disconnects session `id` on this lane's handle (bWait as asked); throws its Win32Error. */
  async act(kind: 'logoff' | 'disconnect', id: number, wait: boolean): Promise<void> {
    const h = await this.open();
    this.usable();
    const call = this.wts.sessionAction(kind, h, id, wait, { signal: this.signal });
    this.last = call.returned;
    return call.result;
  }

  /** Once the lane's last call has returned: closes its handle, then gives its slot back. Resolves when done. */
  async close(): Promise<void> {
    this.closing = true;
    for (let seen = this.last; ; seen = this.last) {
      await seen;
      if (seen === this.last) break;
    }
    const h = this.handle;
    this.handle = null;
    if (h !== null) await this.wts.closeServer(h);
    this.release?.();
  }
}

