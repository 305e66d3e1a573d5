/**
 * When the WTS pool's tasks start, with its real workers on the wtsapi32 double (pool.ts): a task
 * goes to whichever worker is ready first, never waits for one particular worker to start, and a
 * job's timeout counts from the moment a worker starts it, not from when it was queued.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/backend/wts/pool.ts';
import type { ListJob, Reply } from '../../src/backend/wts/jobs.ts';
import { startWorker } from '../../src/backend/wts/worker-url.ts';
import { buildDouble, leakedBuffers, readLog, useDoubleFiles, writeFixture, type CallEvent } from './support/double.ts';

const work = mkdtempSync(join(tmpdir(), 'st-wts-dispatch-'));
let library = '';
let log = '';
let testNo = 0;
const pools: WorkerPool[] = [];
/** Workers that never become ready, ended by the test. */
const stalled: Worker[] = [];

const listJob = (computer: string | null): ListJob => ({ op: 'list', computer, computerName: computer ?? 'local', includeSystem: false });
const enumerations = (): CallEvent[] => readLog(log).filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSEnumerateSessionsExW');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pool(size: number, start: () => Worker = () => startWorker({ libraryPath: library })): WorkerPool {
  const p = new WorkerPool({ size, maxAbandoned: size, start });
  pools.push(p);
  return p;
}

/** A worker thread that starts and never says it is ready (a start stuck on a loaded machine). */
function stalledWorker(): Worker {
  const w = new Worker('setInterval(() => {}, 1000);', { eval: true });
  stalled.push(w);
  return w;
}

beforeAll(() => {
  library = buildDouble('linux');
});
beforeEach(() => {
  testNo++;
  log = join(work, `log-${testNo}.txt`);
  const fixture = join(work, `fixture-${testNo}.txt`);
  useDoubleFiles(fixture, log);
  writeFixture(fixture, [
    { name: '.', sessions: [] },
    { name: 'slow', latencyMs: 800, sessions: [] },
    { name: 'fast', sessions: [] },
  ]);
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await Promise.all(stalled.splice(0).map((w) => w.terminate()));
  await sleep(900); // a given-up slow call returns and closes its handle
  const events = readLog(log);
  expect(leakedBuffers(events)).toEqual([]);
  expect(events.filter((e) => e.event === 'close').length).toBe(events.filter((e) => e.event === 'open').length);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the WTS pool hands tasks to ready workers', () => {
  it('runs every task on the worker that is ready while another one never finishes starting', async () => {
    const starts = [stalledWorker, () => startWorker({ libraryPath: library })];
    const p = pool(2, () => (starts.shift() ?? (() => startWorker({ libraryPath: library })))());
    const replies = await Promise.all([p.run(listJob('fast')), p.run(listJob(null)), p.run(listJob('fast'))]);
    expect(replies).toEqual([
      { ok: true, value: [] },
      { ok: true, value: [] },
      { ok: true, value: [] },
    ]);
    // All three on the one worker that started; the stalled one still counts against the size.
    expect(new Set(enumerations().map((e) => e.tid)).size).toBe(1);
    expect(p.workers).toBe(2);
  });
});

describe("a job's timeout", () => {
  it('does not count the time it waited for a busy worker', async () => {
    const p = pool(1);
    const busy = p.run(listJob('slow'));
    // Once the only worker is inside the slow call, queue a job with a 300 ms timeout behind it.
    while (!readLog(log).some((e) => e.event === 'open')) await sleep(20);
    const queuedAt = performance.now();
    const behind: Reply = await p.run(listJob('fast'), undefined, { timeoutMs: 300 });
    expect(performance.now() - queuedAt).toBeGreaterThan(400);
    expect(behind).toEqual({ ok: true, value: [] });
    expect(await busy).toEqual({ ok: true, value: [] });
  });

  it('counts from the start of its first task: a slow call is given up timeoutMs after it began', async () => {
    const p = pool(1);
    await p.run(listJob(null)); // the worker is started and ready
    let startedAt = 0;
    const given = p.run(listJob('slow'), undefined, { timeoutMs: 300 }).catch((e: unknown) => e);
    while (!readLog(log).some((e) => e.event === 'open')) await sleep(5);
    startedAt = performance.now();
    const e = await given;
    const after = performance.now() - startedAt;
    expect(e).toMatchObject({ name: 'AbortError' });
    expect(after).toBeGreaterThan(150);
    expect(after).toBeLessThan(700);
    expect(p.stuck).toBe(1);
  });
});
