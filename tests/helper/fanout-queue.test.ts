/**
 * -TimeoutSec counts from the moment a computer is asked, not from when it was queued: with fewer
 * slots for native calls than computers at once, computers wait for a slot, and that wait is no
 * fault of theirs. The fan-out and the WTS backend run in process here (koffi's asynchronous calls
 * into the wtsapi32 double, two at a time: maxNativeCalls 2), so the slots are fewer than ThrottleLimit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import { listComputers, type ListParams } from '../../src/helper/fanout.ts';
import { ListSessions } from '../../src/protocol/methods.ts';
import { buildDouble, readLog, useDoubleFiles, writeFixture, type CallEvent } from '../wts/support/double.ts';

const work = mkdtempSync(join(tmpdir(), 'st-fanout-queue-'));
let backend: Backend;

beforeAll(() => {
  const fixture = join(work, 'fixture.txt');
  const log = join(work, 'log.txt');
  useDoubleFiles(fixture, log);
  // Six computers, each answering its enumeration after 700 ms, with no sessions (one call each).
  writeFixture(fixture, [{ name: '.', sessions: [] }, ...Array.from({ length: 6 }, (_, i) => ({ name: `srv${i}`, latencyMs: 700, sessions: [] }))]);
  backend = createWtsBackend({ libraryPath: buildDouble('linux'), maxNativeCalls: 2 });
});
afterAll(async () => {
  await backend.close?.();
  rmSync(work, { recursive: true, force: true });
});

function params(over: Partial<ListParams>): ListParams {
  const defaults = Object.fromEntries(Object.entries(ListSessions.params).map(([k, f]) => [k, (f as { default?: unknown }).default])) as ListParams;
  return { ...defaults, ComputerName: [], UserName: [], Id: [], State: [], IncludeSystem: false, ...over };
}

describe('computers queued for a slot', () => {
  it('are not timed out while they wait: six 700 ms computers, two slots, TimeoutSec 1, all answer', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `srv${i}`);
    const started = Date.now();
    const result = await listComputers(backend, params({ ComputerName: names, ThrottleLimit: 6, TimeoutSec: 1 }), 'here');
    const took = Date.now() - started;
    expect(result).toEqual({ Items: [], Errors: [] });
    // Two at a time: three rounds of 700 ms, so the last computers waited well over TimeoutSec.
    expect(took).toBeGreaterThanOrEqual(3 * 700);
    const calls = readLog(join(work, 'log.txt')).filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSEnumerateSessionsExW');
    expect(calls.map((c) => c.server).sort()).toEqual(names);
  });
});
