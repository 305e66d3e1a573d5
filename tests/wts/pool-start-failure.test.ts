/**
 * The WTS worker pool (src/backend/wts/pool.ts) when its workers cannot start: an install whose
 * worker script is missing (module/bin/wts-worker.mjs) or empty. Each worker that dies before it is ready
 * fails the task that waited longest, with the reason, so that the tasks fail one by one and the
 * pool does not start workers for ever; the caller (the backend) makes each a BackendFailed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/backend/wts/pool.ts';

const dir = mkdtempSync(join(tmpdir(), 'st-wts-pool-start-'));
const missing = join(dir, 'wts-worker.mjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a WTS worker pool whose workers cannot start', () => {
  it('fails each task with the exit code of a worker whose script ends at once (an empty wts-worker.mjs)', async () => {
    const empty = join(dir, 'empty-wts-worker.mjs');
    writeFileSync(empty, '');
    const pool = new WorkerPool({ size: 1, maxAbandoned: 1, start: () => new Worker(pathToFileURL(empty), { workerData: { libraryPath: null }, stdout: true, stderr: true }) });
    try {
      const reply = await pool.run({ op: 'ownSession' }).then(
        (r) => ({ reply: r }),
        (e: unknown) => ({ error: (e as Error).message }),
      );
      expect(reply).toEqual({ error: 'The WTS worker exited (code 0).' });
    } finally {
      await pool.close();
    }
  });


  it('fails each task with the reason, one worker started per task', async () => {
    let started = 0;
    const pool = new WorkerPool({
      size: 2,
      maxAbandoned: 2,
      start: () => {
        started++;
        return new Worker(pathToFileURL(missing), { workerData: { libraryPath: null }, stdout: true, stderr: true });
      },
    });
    try {
      const jobs = [null, 'srv1', 'srv2'].map((computer) =>
        pool.run({ op: 'list', computer, computerName: computer ?? 'here', includeSystem: false }).then(
          (reply) => ({ reply }),
          (e: unknown) => ({ error: (e as Error).message }),
        ),
      );
      const outcomes = await Promise.all(jobs);
      for (const o of outcomes) {
        expect(o).toEqual({ error: expect.stringMatching(/^The WTS worker failed: Cannot find module '.*wts-worker\.mjs'/) });
      }
      expect(started).toBe(3);
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies after its task was given up fails nothing else, and the next task still gets the reason', async () => {
    let started = 0;
    const exits: Promise<unknown>[] = [];
    const pool = new WorkerPool({
      size: 1,
      maxAbandoned: 1,
      start: () => {
        started++;
        const worker = new Worker(pathToFileURL(missing), { workerData: { libraryPath: null }, stdout: true, stderr: true });
        exits.push(new Promise((r) => worker.once('exit', r)));
        return worker;
      },
    });
    const job = { op: 'list', computer: null, computerName: 'here', includeSystem: false } as const;
    // The pool handles a worker's death in the worker's event handlers: a throw there is nobody's to catch.
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const giveUp = new AbortController();
      const first = pool.run(job, giveUp.signal).catch((e: unknown) => (e as Error).name);
      giveUp.abort();
      expect(await first).toBe('AbortError');
      // The worker started for it dies with no task waiting.
      await exits[0];
      const second = await pool.run(job).catch((e: unknown) => (e as Error).message);
      expect(second).toMatch(/^The WTS worker failed: Cannot find module /);
      expect(started).toBe(2);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.close();
    }
  });
});
