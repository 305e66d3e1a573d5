/**
 * The WTS backend's pool of worker threads (src/backend/wts/pool.ts: this computer's listing and
 * the actions), with its real workers on the wtsapi32 double: which thread ran each call (the double
 * logs the OS thread id) and when (the double's clock at the start and end of each call, its latency
 * included) show how the pool reuses, bounds, abandons and ends its workers. Slow list jobs of
 * remote servers are run on the pool directly (the backend lists those with asynchronous calls,
 * pool-async.test.ts), as the slowest work a worker can be given.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createWtsBackend, type WtsBackendOptions } from '../../src/backend/wts/index.ts';
import type { Reply } from '../../src/backend/wts/jobs.ts';
import { WorkerPool } from '../../src/backend/wts/pool.ts';
import { startWorker } from '../../src/backend/wts/worker-url.ts';
import { handlesClosed, readLog, writeFixture, type CallEvent, type FixtureServer } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('pool');
const backends: Backend[] = [];
const pools: WorkerPool[] = [];
const never = new AbortController().signal;

/** Servers slow0..slow<n-1> with no sessions, each call taking `latencyMs`, and the local one. */
function servers(n: number, latencyMs: number): FixtureServer[] {
  return [{ name: '.', sessions: [] }, ...Array.from({ length: n }, (_, i) => ({ name: `slow${i}`, latencyMs, sessions: [] }))];
}

/** A pool of real workers on the double, as the backend makes it. */
function poolWith(size: number, maxAbandoned = size): WorkerPool {
  const pool = new WorkerPool({ size, maxAbandoned, start: () => startWorker({ libraryPath: wts.library }) });
  pools.push(pool);
  return pool;
}

/** One server's listing as a pool job: its sessions, or the rejection (an AbortError when given up). */
async function listOn(pool: WorkerPool, computer: string | null, signal: AbortSignal = never): Promise<unknown> {
  const reply: Reply = await pool.run({ op: 'list', computer, computerName: computer ?? 'here', includeSystem: false }, signal);
  if (!reply.ok) throw new Error(JSON.stringify(reply));
  return reply.value;
}

function backendWith(opts: WtsBackendOptions): Backend {
  const backend = createWtsBackend({ libraryPath: wts.library, ...opts });
  backends.push(backend);
  return backend;
}

function enumerations(): CallEvent[] {
  return readLog(wts.log).filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSEnumerateSessionsExW');
}

const list = (backend: Backend, computer: string | null, signal: AbortSignal = never) => backend.list(computer, { includeSystem: false, signal });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const allHandlesClosed = (ms: number): Promise<boolean> => handlesClosed(wts.log, ms);

afterEach(async () => {
  await Promise.all([...backends.splice(0).map((b) => b.close?.()), ...pools.splice(0).map((p) => p.close())]);
});

describe('the WTS worker pool', () => {
  it('runs one job after another on the same worker, and ends a worker idle for idleMs', async () => {
    writeFixture(wts.fixture, servers(0, 0));
    const backend = backendWith({ poolSize: 2, idleMs: 400 });
    await list(backend, null);
    await list(backend, null);
    await sleep(1_200);
    await list(backend, null);
    const tids = enumerations().map((e) => e.tid);
    expect(tids).toHaveLength(3);
    expect(tids[1]).toBe(tids[0]);
    expect(tids[2]).not.toBe(tids[0]);
  });

  it('runs at most poolSize jobs at once; the others wait for a free worker', async () => {
    writeFixture(wts.fixture, servers(4, 600));
    const pool = poolWith(2);
    await Promise.all([0, 1, 2, 3].map((i) => listOn(pool, `slow${i}`)));
    const calls = enumerations().sort((a, b) => a.t0 - b.t0);
    expect(new Set(calls.map((c) => c.tid)).size).toBe(2);
    // The third and fourth started only once the first two had ended.
    const firstEnd = Math.min(calls[0]!.t1, calls[1]!.t1);
    expect(calls[2]!.t0).toBeGreaterThanOrEqual(firstEnd);
    expect(calls[3]!.t0).toBeGreaterThanOrEqual(firstEnd);
  });

  it('drops a waiting job whose caller gave up: it never runs', async () => {
    writeFixture(wts.fixture, servers(2, 800));
    const pool = poolWith(1);
    const first = listOn(pool, 'slow0');
    const abort = new AbortController();
    const second = listOn(pool, 'slow1', abort.signal).catch((e: unknown) => e);
    await sleep(100);
    abort.abort();
    expect(await second).toMatchObject({ name: 'AbortError' });
    expect(await first).toEqual([]);
    await sleep(300);
    expect(enumerations().map((c) => c.server)).toEqual(['slow0']);
  });

  it('abandons a worker stuck in a call, up to maxAbandoned; past that, new jobs wait for one to return', async () => {
    writeFixture(wts.fixture, servers(3, 1_500));
    const pool = poolWith(1, 1);
    const giveUp = async (computer: string): Promise<unknown> => {
      const abort = new AbortController();
      const listing = listOn(pool, computer, abort.signal).catch((e: unknown) => e);
      // Give up once a worker is inside the call (a job still waiting for a worker is only dropped).
      while (!readLog(wts.log).some((e) => e.event === 'open' && e.server === computer)) await sleep(20);
      await sleep(100);
      abort.abort();
      return listing;
    };
    const started = Date.now();
    expect(await giveUp('slow0')).toMatchObject({ name: 'AbortError' });
    expect(pool.stuck).toBe(1);
    // A replacement runs the next job at once; it is given up too: now two workers are stuck.
    expect(await giveUp('slow1')).toMatchObject({ name: 'AbortError' });
    expect(pool.stuck).toBe(2);
    // size 1 + maxAbandoned 1 threads at most: this job waits until slow0's call returns.
    expect(await listOn(pool, null)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    // The double logs a call when it returns: wait for slow1's too.
    expect(await allHandlesClosed(5_000)).toBe(true);
    const calls = enumerations();
    const slow0 = calls.find((c) => c.server === 'slow0')!;
    const local = calls.find((c) => c.server === '.')!;
    expect(local.t0).toBeGreaterThanOrEqual(slow0.t1);
    expect(new Set(calls.map((c) => c.tid)).size).toBe(3);
    // Once their calls return, the abandoned workers end and nothing is stuck.
    expect(await allHandlesClosed(5_000)).toBe(true);
    await sleep(300);
    expect(pool.stuck).toBe(0);
  });

  it('close() fails running and waiting jobs, and later jobs fail at once', async () => {
    writeFixture(wts.fixture, servers(2, 1_000));
    const pool = poolWith(1);
    const running = listOn(pool, 'slow0').catch((e: unknown) => e);
    const waiting = listOn(pool, 'slow1').catch((e: unknown) => e);
    // Close once the first job is inside its (slow) enumeration.
    while (!readLog(wts.log).some((e) => e.event === 'open')) await sleep(20);
    await pool.close();
    for (const failed of [await running, await waiting]) expect(failed).toMatchObject({ message: 'The WTS worker pool was closed.' });
    expect(await listOn(pool, null).catch((e: unknown) => e)).toMatchObject({ message: 'The WTS worker pool is closed.' });
    // The backend closed: a listing of this computer fails, and so does every action (a remote one: its asynchronous calls are closed).
    const backend = backendWith({ poolSize: 1 });
    await backend.close?.();
    expect(await list(backend, null).catch((e: unknown) => e)).toMatchObject({
      errorId: 'BackendFailed',
      message: expect.stringMatching(/: The WTS worker pool is closed\.$/),
    });
    // An action on a closed backend: each target fails, in order, nothing is done.
    const { Outcomes } = await backend.actions['sessions.logoff']({ Targets: [{ SessionId: 4, ComputerName: 'slow1' }, { SessionId: 5 }], Wait: false });
    const host = hostname();
    expect(Outcomes).toEqual([
      { Target: { SessionId: 4, ComputerName: 'slow1' }, Item: null, Error: { ErrorId: 'BackendFailed', Message: 'Logging off session 4 on slow1 failed: The WTS calls are closed.', Target: 4, ComputerName: 'slow1' } },
      { Target: { SessionId: 5 }, Item: null, Error: { ErrorId: 'BackendFailed', Message: `Logging off session 5 on ${host} failed: The WTS worker pool is closed.`, Target: 5, ComputerName: host } },
    ]);
    // The running call still returns and frees what it holds; the waiting one never ran.
    expect(await allHandlesClosed(5_000)).toBe(true);
    expect(enumerations().map((c) => c.server)).toEqual(['slow0']);
  });
});
