/**
 * The order in which the WTS worker pool (src/backend/wts/pool.ts) runs tasks, with one real worker
 * on the wtsapi32 double: the describe tasks of a listing whose enumeration has answered go before
 * enumerations still waiting, so that listings begun are finished (and their sessions answered)
 * before more computers are begun; only the enumeration the worker took as the first one's answer
 * came runs in between. The double logs each call as it returns; one worker makes them in turn.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/backend/wts/pool.ts';
import { startWorker } from '../../src/backend/wts/worker-url.ts';
import { readLog, writeFixture, type CallEvent } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('pool-urgent');
const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const session = (id: number) => ({ id, state: 'Active' as const, winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB' });

describe('the WTS worker pool with one worker and three listings', () => {
  it('describes the sessions of the listings begun before it begins the third computer', async () => {
    writeFixture(wts.fixture, [
      { name: '.', sessions: [] },
      { name: 'first', sessions: [session(1), session(2)] },
      { name: 'second', sessions: [session(3)] },
      { name: 'third', sessions: [session(4)] },
    ]);
    const pool = new WorkerPool({ size: 1, maxAbandoned: 1, start: () => startWorker({ libraryPath: wts.library }) });
    pools.push(pool);
    const never = new AbortController().signal;
    const replies = await Promise.all(
      ['first', 'second', 'third'].map((computer) => pool.run({ op: 'list', computer, computerName: computer, includeSystem: false }, never)),
    );
    expect(replies.map((r) => r.ok)).toEqual([true, true, true]);
    const calls = readLog(wts.log).filter((e): e is CallEvent => e.event === 'call');
    // Runs of calls to one computer: the enumerations of first and second (the worker took second's
    // as first's answer came), their queries, and only then third.
    const runs = calls.map((c) => c.server).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(runs).toEqual(['first', 'second', 'first', 'second', 'third']);
  });
});
