/**
 * Progress notifications of the real helper (src/helper/progress.ts) on the wtsapi32 test double:
 * a client that asked for them in its initialize gets, while a fan-out runs over a second, lines
 * `{"jsonrpc":"2.0","method":"progress","params":{"Id","Completed","Total"}}` naming its request,
 * counting the computers answered, all before the answer; a quick request gets none, and a client
 * that did not ask gets none at all (its next line is always its answer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/methods.ts';
import type { FixtureServer } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterAll(async () => {
  await stopAllHelpers();
  removeWtsHelperFiles();
});

interface Line {
  id?: unknown;
  method?: string;
  params?: { Id: unknown; Completed: number | null; Total: number | null };
  result?: { Items: unknown[]; Errors: unknown[] };
}

/** Six servers named `prefix`0-5, of one session each, every call to one taking `latencyMs`. */
function six(prefix: string, latencyMs: number): FixtureServer[] {
  return Array.from({ length: 6 }, (_, i) => ({ name: `${prefix}${i}`, latencyMs, sessions: [{ id: 2, state: 'Active' as const, winStation: 'RDP-Tcp#2', user: `u${i}` }] }));
}
/**
 * Listed one at a time (ThrottleLimit 1): about 2 s for the six (a listing makes several calls),
 * over the second after which progress starts, with room for more than two notifications.
 */
const LIST_LATENCY_MS = 180;
/** Logged off all at once: each logoff's calls take over a second together. */
const ACTION_LATENCY_MS = 350;
const SERVERS: FixtureServer[] = [{ name: '.', sessions: [] }, ...six('slow', LIST_LATENCY_MS), ...six('act', ACTION_LATENCY_MS), ...six('quick', 20)];
const names = (prefix: string): string[] => Array.from({ length: 6 }, (_, i) => `${prefix}${i}`);

/** Lines up to and including the answer to `id`. */
async function untilAnswer(wts: ReturnType<typeof startWtsHelper>, id: string): Promise<Line[]> {
  const lines: Line[] = [];
  for (;;) {
    const line = (await wts.helper.next(30_000)) as Line;
    lines.push(line);
    if (line.id === id) return lines;
  }
}

async function handshake(wts: ReturnType<typeof startWtsHelper>, progress: boolean): Promise<void> {
  await wts.helper.sendJson({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { ProtocolVersion: PROTOCOL_VERSION, Progress: progress } });
  expect(((await wts.helper.next(15_000)) as Line).id).toBe('init');
}

describe('progress notifications', () => {
  /** One helper for the tests of a client that asked: each reads the lines up to its own answer. */
  let asked: ReturnType<typeof startWtsHelper>;
  beforeAll(async () => {
    asked = startWtsHelper(SERVERS);
    await handshake(asked, true);
  });

  it('a client that asked gets the count of computers answered, every line before the answer', async () => {
    const wts = asked;
    await wts.helper.sendJson({ jsonrpc: '2.0', id: 'fan', method: 'sessions.list', params: { ComputerName: names('slow'), ThrottleLimit: 1 } });
    const lines = await untilAnswer(wts, 'fan');
    const answer = lines.at(-1) as Line;
    expect(answer.result?.Items).toHaveLength(6);
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(2);
    for (const p of progress) {
      expect(p).toMatchObject({ jsonrpc: '2.0', method: 'progress', params: { Id: 'fan', Total: 6 } });
      expect('id' in p).toBe(false);
    }
    const counts = progress.map((p) => p.params?.Completed as number);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts[0]).toBeLessThan(6);
    expect(counts.at(-1)).toBeGreaterThan(counts[0] as number);
  });

  it('an action reports its targets (Completed null) while it runs over a second', async () => {
    const wts = asked;
    const targets = names('act').map((n) => ({ SessionId: 2, ComputerName: n }));
    await wts.helper.sendJson({ jsonrpc: '2.0', id: 'off', method: 'sessions.logoff', params: { Targets: targets, Wait: true } });
    const lines = await untilAnswer(wts, 'off');
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p).toMatchObject({ method: 'progress', params: { Id: 'off', Completed: null, Total: 6 } });
  });

  it('a request answered within a second gets none', async () => {
    const wts = asked;
    await wts.helper.sendJson({ jsonrpc: '2.0', id: 'quick', method: 'sessions.list', params: { ComputerName: names('quick') } });
    const lines = await untilAnswer(wts, 'quick');
    expect(lines).toHaveLength(1);
  });

  it('a client that did not ask gets none: its next line is its answer', async () => {
    const wts = startWtsHelper(SERVERS);
    await handshake(wts, false);
    await wts.helper.sendJson({ jsonrpc: '2.0', id: 'fan', method: 'sessions.list', params: { ComputerName: names('slow'), ThrottleLimit: 1 } });
    const lines = await untilAnswer(wts, 'fan');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.result?.Items).toHaveLength(6);
  });
});
