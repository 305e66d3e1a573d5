/**
 * WTS calls made from the helper's main thread with koffi's asynchronous calls (wts-api.md 5.9):
 * each runs on a thread of libuv's pool, which it holds for as long as Windows takes, while the
 * main thread goes on; hundreds can be in flight at once, without a worker thread (a V8 isolate)
 * for each.
 *
 * - A caller holds a SLOT for a run of calls made one after another (remote-list.ts: a lane, one
 *   server handle), so it has at most one call on a pool thread at a time; at most `limit` slots
 *   are held at once (threadpool.ts keeps some threads free for the helper's own file work). Past
 *   it, callers wait, in order; a caller that holds a slot takes more only if they are free at once
 *   (tryAcquire), so that callers never wait for each other's slots. A call
 *   given up on (its signal aborted) is answered at once with an AbortError, and its caller keeps
 *   its slot until the native call returns: calls to hosts that hang are bounded by the same limit,
 *   and new callers wait, never starving the pool.
 * - `finish` runs inside koffi's completion callback, before anything else: there GetLastError (the
 *   next koffi call) gives the async call's last error (koffi >= 3.2 restores it for the callback,
 *   wts-api.md 5.8), and the buffer is copied and freed at once, also for a call given up on, so
 *   every buffer is freed exactly once whenever its answer comes.
 * - A server handle is used by one call at a time (remote-list.ts): never by two threads at once.
 */
import koffi from 'koffi';
import type { ApiName, WinApi } from './abi.ts';
import { ENUMERATE_EX_UNSUPPORTED, sessionsClassic, sessionsEx, Win32Error, WTS_INFO, readAndFree, type EnumeratedSession } from './calls.ts';
import { abortError } from './job-clock.ts';
import { loadLibraries } from './library.ts';
import { READ_CLASS, type QueryClass, type QueryValues } from './queries.ts';

export interface CallOptions {
  /** Gives the call up: it is answered at once with an AbortError; it never starts if aborted before. */
  signal?: AbortSignal;
  /** Called when the call starts. */
  onStart?: () => void;
  /**
   * Called once when the native call has returned (also one given up on), after its buffers were
   * freed; or at once, when the call never started. A lane (lane.ts) closes its handle only after it.
   */
  onReturn?: () => void;
}

/** Gives a slot back (once; later calls do nothing). */
export type Release = () => void;

interface Waiter {
  go: () => void;
  fail: (e: Error) => void;
}

/** Slots, each for one call at a time on a pool thread, given in the order they were asked for. */
class Slots {
  private used = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at !== -1) this.waiting.splice(at, 1);
        reject(abortError());
      };
      const waiter: Waiter = {
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** A slot now, if one is free and nobody waits for one (never waits). */
  tryAcquire(): boolean {
    if (this.used >= this.limit || this.waiting.length > 0) return false;
    this.used++;
    return true;
  }

  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.used--;
    else next.go(); // the slot passes on
  }

  /** Fails every waiting caller. */
  failWaiting(e: Error): void {
    for (const w of this.waiting.splice(0)) w.fail(e);
  }
}

type AsyncFunction = { async: (...args: unknown[]) => void };

/** A native call on a pool thread whose caller may give it up (its signal aborts). */
class InFlight {
  abandoned = false;
  constructor(readonly reject: (e: Error) => void) {}
}

/**
 * koffi's resident async pools: memory for that many asynchronous calls at once, kept while the
 * helper lives; 32 is koffi's maximum (MaxResidentAsyncPools in its ffi.hh; default 8). Measured on
 * the double (docs/wts-api.md 5.9): a warm 500-host fan-out about 6% faster than with 8, the same
 * resident memory within the noise.
 */
export const RESIDENT_ASYNC_POOLS = 32;

export class AsyncWts {
  private api: WinApi | Error | null = null;
  private unload: (() => void) | null = null;
  private readonly slots: Slots;
  /** Native calls not yet returned, and those of them given up on. */
  private running = 0;
  private givenUp = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();
  /**
   * The calls in flight under each signal, with ONE abort listener per signal (a listing's clock):
   * an EventTarget listener added and removed per call cost more than the rest of our JS around it.
   */
  private readonly watched = new WeakMap<AbortSignal, Set<InFlight>>();

  constructor(
    private readonly libraryPath: string | null,
    limit: number,
  ) {
    this.slots = new Slots(limit);
  }

  /** Native calls on a pool thread now: answered or not (given up on), not yet returned. */
  get inFlight(): number {
    return this.running;
  }

  /** A slot, for one call at a time, until `release` is called; rejects with an AbortError if `signal` aborts first. */
  async acquire(signal: AbortSignal | undefined): Promise<Release> {
    if (this.closed) throw new Error('The WTS calls are closed.');
    await this.slots.acquire(signal);
    return this.releaser();
  }

  /**
   * A slot if one is free now, else null. A caller that already holds a slot takes more only this
   * way: waiting for a second while holding one could wait for ever (every slot held by callers
   * that wait for another).
   */
  tryAcquire(): Release | null {
    if (this.closed || !this.slots.tryAcquire()) return null;
    return this.releaser();
  }

  private releaser(): Release {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.slots.release();
      this.wake();
      if (this.closed) this.unloadIfIdle();
    };
  }

  /** The library, loaded on first use in this (the main) thread. */
  private winApi(): WinApi {
    if (this.api === null) {
      try {
        // koffi refuses more async calls at once than max_async_calls (default 256), and takes its
        // settings only before its first library in this thread. A call beyond the resident pools
        // maps memory of its own and unmaps it when it returns (docs/wts-api.md 5.9), so as many are
        // kept as koffi allows.
        koffi.config({ resident_async_pools: RESIDENT_ASYNC_POOLS, max_async_calls: Math.max(this.slots.limit, 256) });
      } catch {
        // Another part of this thread loaded a library first (tests); the slots stay below koffi's limit then.
      }
      try {
        const loaded = loadLibraries(this.libraryPath);
        this.api = loaded.api;
        this.unload = loaded.unload;
      } catch (e) {
        this.api = e instanceof Error ? e : new Error(String(e));
      }
    }
    if (this.api instanceof Error) throw this.api;
    return this.api;
  }

  /** The calls in flight under `signal`; on its abort each is given up (answered with an AbortError). */
  private watch(signal: AbortSignal): Set<InFlight> {
    let calls = this.watched.get(signal);
    if (calls === undefined) {
      const set = new Set<InFlight>();
      calls = set;
      this.watched.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          for (const c of set) {
            c.abandoned = true;
            this.givenUp++;
            c.reject(abortError());
          }
          set.clear();
        },
        { once: true },
      );
    }
    return calls;
  }

  /**
   * Calls `name` on a pool thread. `finish` runs in the completion callback with the return value
   * (GetLastError first, when it failed; then copy and free) and its result answers the call; when
   * the call was given up on meanwhile, `finish` still runs (to free), and its result is dropped.
   * `opts.onReturn` runs once, when the native call has returned (or at once if it never started).
   */
  call<N extends ApiName, T>(name: N, args: Parameters<WinApi[N]>, finish: (ret: ReturnType<WinApi[N]>, api: WinApi, givenUp: boolean) => T, opts: CallOptions = {}): Promise<T> {
    const { signal, onReturn } = opts;
    let api: WinApi;
    try {
      // No closed check here: a caller refused new slots after shutdown() still closes its handle in the slot it holds.
      if (signal?.aborted) throw abortError();
      api = this.winApi();
    } catch (e) {
      onReturn?.();
      return Promise.reject(e);
    }
    opts.onStart?.();
    this.running++;
    return new Promise<T>((resolve, reject) => {
      const call = new InFlight(reject);
      const watch = signal === undefined ? undefined : this.watch(signal);
      watch?.add(call);
      let ended = false;
      const end = (): void => {
        ended = true;
        watch?.delete(call);
        if (call.abandoned) this.givenUp--;
        this.running--;
        onReturn?.();
        if (this.idle.size > 0) this.wake();
      };
      const callback = (err: unknown, ret: ReturnType<WinApi[N]>): void => {
        let value: T;
        try {
          if (err) throw err instanceof Error ? err : new Error(String(err));
          value = finish(ret, api, call.abandoned);
        } catch (e) {
          end();
          if (!call.abandoned) reject(e);
          return;
        }
        end();
        if (!call.abandoned) resolve(value);
      };
      try {
        (api[name] as unknown as AsyncFunction).async(...args, callback);
      } catch (e) {
        // koffi refused to queue it (too many calls): the callback never runs. A call it cannot
        // prepare (bad arguments) it answers at once, inside .async(): then it has ended already.
        if (ended) return;
        end();
        if (!call.abandoned) reject(e);
      }
    });
  }

  private wake(): void {
    for (const f of [...this.idle]) f();
  }

  /**
   * A server handle (WTSOpenServerExW); NULL is a failure (it would mean THIS computer). `opened`
   * gets the handle as soon as the call returns, also when it was given up on meanwhile, so that
   * its caller still closes it.
   */
  open(computer: string, opened: (h: bigint) => void, opts: CallOptions): Promise<bigint> {
    return this.call(
      'WTSOpenServerExW',
      [computer],
      (h, api) => {
        if (h === null || h === 0n) throw new Win32Error({ fn: 'WTSOpenServerExW', code: api.GetLastError() });
        opened(h);
        return h;
      },
      opts,
    );
  }

  /** Closes a handle no call is using (WTSCloseServer returns nothing); resolves when it returned. */
  closeServer(h: bigint): Promise<void> {
    return this.call('WTSCloseServer', [h], () => undefined).catch(() => undefined);
  }

  /** Every session, WTSEnumerateSessionsExW level 1; null where the server has no level 1 (then ask enumerateClassic). */
  enumerateEx(h: bigint, opts: CallOptions): Promise<EnumeratedSession[] | null> {
    const pp: (bigint | null)[] = [null];
    const count = [0];
    return this.call(
      'WTSEnumerateSessionsExW',
      [h, [1], 0, pp, count],
      (ok, api) => {
        if (!ok) {
          const code = api.GetLastError();
          if (ENUMERATE_EX_UNSUPPORTED.has(code)) return null;
          throw new Win32Error({ fn: 'WTSEnumerateSessionsExW', code });
        }
        return sessionsEx(api, pp[0], count[0] ?? 0);
      },
      opts,
    );
  }

  /** Every session with the classic enumeration (no user or domain in it). */
  enumerateClassic(h: bigint, opts: CallOptions): Promise<EnumeratedSession[]> {
    const pp: (bigint | null)[] = [null];
    const count = [0];
    return this.call(
      'WTSEnumerateSessionsW',
      [h, 0, 1, pp, count],
      (ok, api) => {
        if (!ok) throw new Win32Error({ fn: 'WTSEnumerateSessionsW', code: api.GetLastError() });
        return sessionsClassic(api, pp[0], count[0] ?? 0);
      },
      opts,
    );
  }

  /** One WTSQuerySessionInformationW of session `id`, read as queries.ts reads it. */
  query<C extends QueryClass>(h: bigint, id: number, cls: C, opts: CallOptions): Promise<QueryValues[C] | null> {
    const pp: (bigint | null)[] = [null];
    const bytes = [0];
    return this.call(
      'WTSQuerySessionInformationW',
      [h, id, WTS_INFO[cls], pp, bytes],
      (ok, api) => {
        if (!ok) throw new Win32Error({ fn: `WTSQuerySessionInformationW(${cls})`, code: api.GetLastError() });
        return readAndFree(api, pp[0], bytes[0] ?? 0, READ_CLASS[cls]);
      },
      opts,
    );
  }

  /** WTSLogoffSession or WTSDisconnectSession of session `id` (bWait as asked); a failure throws its Win32Error. */
  sessionAction(kind: 'logoff' | 'disconnect', h: bigint, id: number, wait: boolean, opts: CallOptions): Promise<void> {
    const failed = (fn: string, api: WinApi): never => {
      throw new Win32Error({ fn, code: api.GetLastError() });
    };
    if (kind === 'logoff') return this.call('WTSLogoffSession', [h, id, wait ? 1 : 0], (ok, api) => void (ok || failed('WTSLogoffSession', api)), opts);
    return this.call('WTSDisconnectSession', [h, id, wait ? 1 : 0], (ok, api) => void (ok || failed('WTSDisconnectSession', api)), opts);
  }

  /**
   * Fails the calls still waiting for a slot and waits (up to `graceMs`) for the calls not given
   * up on to return; what then still holds a thread is `inFlight` (a hung call). Once no call runs
   * and no slot is held, the libraries are let go.
   */
  async shutdown(graceMs = 2_000): Promise<void> {
    this.closed = true;
    this.slots.failWaiting(new Error('The WTS calls are closed.'));
    await this.settle(graceMs);
    this.unloadIfIdle();
  }

  /** Lets the libraries go once no call runs and no slot is held (a holder may still close its handle). */
  private unloadIfIdle(): void {
    if (this.running > 0 || this.slots.inUse > 0 || this.unload === null) return;
    this.unload();
    this.unload = null;
  }

  private async settle(graceMs: number): Promise<void> {
    const settled = (): boolean => this.running <= this.givenUp;
    if (settled()) return;
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (!settled()) return;
        finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.idle.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, graceMs);
      timer.unref();
      this.idle.add(check);
    });
  }
}
