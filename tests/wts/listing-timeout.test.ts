/**
 * How a listing ends when it is not answered in time (src/backend/wts/index.ts,
 * job-clock.ts), in this process on the wtsapi32 double: ComputerTimeout, saying whether the
 * computer's own timeout ran out (counted from its first call) or the caller gave the listing up;
 * a listing whose caller gave up before it began never reaches its computer, nor this computer's
 * (which the worker pool lists).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import { readLog, writeFixture } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('listing-timeout');
const backends: Backend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close?.()));
});

function backend(): Backend {
  const b = createWtsBackend({ libraryPath: wts.library, poolSize: 1, maxNativeCalls: 2 });
  backends.push(b);
  return b;
}
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => ({ errorId: (e as { errorId: string }).errorId, message: (e as Error).message }));
const opened = () => readLog(wts.log).flatMap((e) => (e.event === 'open' ? [e.server] : []));

describe('a listing not answered in time', () => {
  it('with a timeout: ComputerTimeout within that many seconds', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'slow', latencyMs: 400, sessions: [] }]);
    const caller = new AbortController();
    expect(await failure(backend().list('slow', { includeSystem: false, signal: caller.signal, timeoutMs: 100 }))).toEqual({
      errorId: 'ComputerTimeout',
      message: 'slow did not answer within 0.1 s.',
    });
  });

  it('given up by its caller: ComputerTimeout, given up; one given up before it began never opens its computer', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'slow', latencyMs: 400, sessions: [] }, { name: 'late', sessions: [] }]);
    const b = backend();
    const caller = new AbortController();
    const slow = failure(b.list('slow', { includeSystem: false, signal: caller.signal, timeoutMs: 10_000 }));
    while (!opened().includes('slow')) await new Promise((r) => setTimeout(r, 10));
    caller.abort();
    const givenUp = { errorId: 'ComputerTimeout', message: 'slow did not answer in time; the listing was given up.' };
    expect(await slow).toEqual(givenUp);
    expect(await failure(b.list('late', { includeSystem: false, signal: caller.signal, timeoutMs: 10_000 }))).toEqual({ ...givenUp, message: 'late did not answer in time; the listing was given up.' });
    expect(opened()).toEqual(['slow']);
  });

  it("this computer's listing (the workers), given up before it began: ComputerTimeout, nothing asked", async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [{ id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB' }] }]);
    const b = backend();
    const caller = new AbortController();
    caller.abort();
    expect(await failure(b.list(null, { includeSystem: false, signal: caller.signal }))).toMatchObject({ errorId: 'ComputerTimeout' });
    expect(await b.list(null, { includeSystem: false, signal: new AbortController().signal })).toHaveLength(1);
    // One enumeration: the second listing's.
    expect(readLog(wts.log).filter((e) => e.event === 'call' && e.fn === 'WTSEnumerateSessionsExW')).toHaveLength(1);
  });
});
