/**
 * The WTS backend's close() (the helper's exit) while remote listings run with asynchronous calls
 * (src/backend/wts/async-calls.ts), in this process on the wtsapi32 double: a listing that waits
 * for a slot fails at once, and close() returns only once the calls on libuv's threads that nobody
 * gave up on have returned, so that their buffers are freed and handles closed before the helper
 * ends (the support checks both after the test).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import { readLog, writeFixture, type CallEvent } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('async-shutdown');
const backends: Backend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close?.()));
});
const never = new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function backendWith(slots: number): Backend {
  const backend = createWtsBackend({ libraryPath: wts.library, poolSize: 1, maxNativeCalls: slots });
  backends.push(backend);
  return backend;
}

/** The enumerations of `server` that have returned (the double logs a call when it returns). */
const enumerated = (server: string): CallEvent[] =>
  readLog(wts.log).filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSEnumerateSessionsExW' && e.server === server);

/** Waits until every server has a handle open (its enumeration is then on a pool thread). */
async function opened(...servers: string[]): Promise<void> {
  const open = () => new Set(readLog(wts.log).flatMap((e) => (e.event === 'open' ? [e.server] : [])));
  while (!servers.every((s) => open().has(s))) await sleep(10);
}

describe('closing the WTS backend while remote listings run', () => {
  it('returns once every call in flight has returned, the slowest included', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'quick', latencyMs: 100, sessions: [] }, { name: 'slow', latencyMs: 700, sessions: [] }]);
    const backend = backendWith(4);
    const listings = ['quick', 'slow'].map((c) => backend.list(c, { includeSystem: false, signal: never }).catch((e: unknown) => e));
    await opened('quick', 'slow');
    await backend.close?.();
    // Both enumerations had returned when close() did: not only the first to come back.
    expect([enumerated('quick').length, enumerated('slow').length]).toEqual([1, 1]);
    await Promise.all(listings);
  });

  it('does not wait for a call given up on (a host that hangs): only for the others', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'quick', latencyMs: 150, sessions: [] }, { name: 'hung', latencyMs: 1_200, sessions: [] }]);
    const backend = backendWith(4);
    const giveUp = new AbortController();
    const hung = backend.list('hung', { includeSystem: false, signal: giveUp.signal }).catch((e: unknown) => e);
    const quick = backend.list('quick', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    await opened('quick', 'hung');
    giveUp.abort();
    expect(await hung).toMatchObject({ errorId: 'ComputerTimeout' });
    await backend.close?.();
    // close() came back when the quick call had returned, long before the hung one (1.2 s; close()
    // gives calls 2 s): it did not wait for the call given up on.
    expect([enumerated('quick').length, enumerated('hung').length]).toEqual([1, 0]);
    await quick;
  });

  it('does not count a call given up on that has since returned', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'hung', latencyMs: 800, sessions: [] }, { name: 'slow', latencyMs: 700, sessions: [] }]);
    const backend = backendWith(4);
    const giveUp = new AbortController();
    const hung = backend.list('hung', { includeSystem: false, signal: giveUp.signal }).catch((e: unknown) => e);
    await opened('hung');
    // The double logs the open inside the call, before this thread takes its answer and starts the
    // enumeration: given up at once, the listing might never start it. 200 ms in, it runs (800 ms).
    await sleep(200);
    giveUp.abort();
    expect(await hung).toMatchObject({ errorId: 'ComputerTimeout' });
    for (let waited = 0; enumerated('hung').length === 0 && waited < 5_000; waited += 10) await sleep(10);
    expect(enumerated('hung'), 'the enumeration given up on returned').toHaveLength(1);
    const slow = backend.list('slow', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    await opened('slow');
    await backend.close?.();
    expect(enumerated('slow')).toHaveLength(1);
    await slow;
  });

  it('fails a listing that waits for a slot, naming why', async () => {
    writeFixture(wts.fixture, [{ name: '.', sessions: [] }, { name: 'busy', latencyMs: 300, sessions: [] }, { name: 'next', sessions: [] }]);
    const backend = backendWith(1);
    const busy = backend.list('busy', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    await opened('busy');
    const waiting = backend.list('next', { includeSystem: false, signal: never }).catch((e: unknown) => e);
    await backend.close?.();
    expect(await waiting).toMatchObject({ errorId: 'BackendFailed', message: 'Listing the sessions of next failed: The WTS calls are closed.' });
    await busy;
    // It never reached the server.
    expect(readLog(wts.log).filter((e) => e.event === 'open' && e.server === 'next')).toEqual([]);
  });
});
