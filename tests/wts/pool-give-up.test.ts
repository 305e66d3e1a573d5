/**
 * Tasks given up on in the WTS worker pool (src/backend/wts/pool.ts), with real workers on the
 * wtsapi32 double: one given up while it waits leaves the line and never reaches a worker (the
 * next job runs in its place), and one given up while it runs abandons its own worker only, so
 * that the other worker's job is still answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/backend/wts/jobs.ts';
import { WorkerPool } from '../../src/backend/wts/pool.ts';
import { startWorker } from '../../src/backend/wts/worker-url.ts';
import { readLog, writeFixture } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('pool-give-up');
const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
const never = new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function poolOf(size: number): WorkerPool {
  const pool = new WorkerPool({ size, maxAbandoned: size, start: () => startWorker({ libraryPath: wts.library }) });
  pools.push(pool);
  return pool;
}
/** A remote computer's listing as a pool job: its reply, or the rejection's name. */
const listOn = (pool: WorkerPool, computer: string, signal = never): Promise<Reply | string> =>
  pool.run({ op: 'list', computer, computerName: computer, includeSystem: false }, signal).catch((e: unknown) => (e as Error).name);
/** Servers the workers opened a handle to, in order (a worker opens one as it starts a job). */
const opened = () => readLog(wts.log).flatMap((e) => (e.event === 'open' ? [e.server] : []));

describe('a task given up on', () => {
  it('while it waits, leaves the line: the job after it runs in its place', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'busy', latencyMs: 300, sessions: [] }, { name: 'quitter', sessions: [] }, { name: 'next', sessions: [] }]);
    const pool = poolOf(1);
    const busy = listOn(pool, 'busy');
    while (!opened().includes('busy')) await sleep(10);
    const giveUp = new AbortController();
    const quitter = listOn(pool, 'quitter', giveUp.signal);
    giveUp.abort();
    expect(await quitter).toBe('AbortError');
    expect(await busy).toEqual({ ok: true, value: [] });
    expect(await listOn(pool, 'next')).toEqual({ ok: true, value: [] });
    expect(opened()).toEqual(['busy', 'next']);
  });

  it('while it runs, abandons its own worker: the other worker\'s job is answered', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'kept', latencyMs: 400, sessions: [] }, { name: 'dropped', latencyMs: 400, sessions: [] }]);
    const pool = poolOf(2);
    const kept = listOn(pool, 'kept');
    const giveUp = new AbortController();
    const dropped = listOn(pool, 'dropped', giveUp.signal);
    while (!(opened().includes('kept') && opened().includes('dropped'))) await sleep(10);
    giveUp.abort();
    expect(await dropped).toBe('AbortError');
    expect(pool.stuck).toBe(1);
    expect(await kept).toEqual({ ok: true, value: [] });
  });
});
