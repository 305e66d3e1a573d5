/**
 * The slots of the WTS backend's asynchronous calls (src/backend/wts/async-calls.ts), in this
 * process on the wtsapi32 double: a computer given up on while it waits for a slot leaves the line,
 * wherever it stands in it, so that each slot freed later passes to a computer still waiting and no
 * slot is lost (one lost slot of one would leave every later computer waiting for ever).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import { readLog, writeFixture } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('async-slots');
const backends: Backend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close?.()));
});
const never = new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const session = (id: number) => ({ id, state: 'Active' as const, winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB' });

describe('a computer given up on while it waits for a slot', () => {
  it('leaves the line: the slots freed later go to the computers behind it', async () => {
    writeFixture(wts.fixture, [
      { name: '.', sessions: [] },
      { name: 'busy', latencyMs: 200, sessions: [session(1)] },
      { name: 'first', sessions: [session(2)] },
      { name: 'quitter', sessions: [session(3)] },
      { name: 'last', sessions: [session(4)] },
    ]);
    const backend = createWtsBackend({ libraryPath: wts.library, poolSize: 1, maxNativeCalls: 1 });
    backends.push(backend);
    const list = (computer: string, signal = never) =>
      backend.list(computer, { includeSystem: false, signal }).then(
        (items) => items.map((s) => `${s.ComputerName}/${s.SessionId}`),
        (e: unknown) => (e as { errorId?: string }).errorId,
      );
    const busy = list('busy');
    while (!readLog(wts.log).some((e) => e.event === 'open' && e.server === 'busy')) await sleep(10);
    // In line behind busy's slot: first, then quitter (second in line), then last.
    const giveUp = new AbortController();
    const first = list('first');
    const quitter = list('quitter', giveUp.signal);
    const last = list('last');
    giveUp.abort();
    expect(await quitter).toBe('ComputerTimeout');
    expect(await Promise.all([busy, first, last])).toEqual([['busy/1'], ['first/2'], ['last/4']]);
    // The one given up on never reached its computer.
    expect(readLog(wts.log).filter((e) => e.event === 'open').map((e) => e.server)).toEqual(['busy', 'first', 'last']);
  });
});
