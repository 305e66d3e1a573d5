/**
 * Progress notifications of the real helper (src/helper/progress.ts) at their edges, on the
 * wtsapi32 double with a slow local server: a request sent without params (a listing of this computer) gets them,
 * none come after the answer, and neither a notification nor a request with id null gets any
 * (there is no id to name in them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRESS_EVERY_MS, PROGRESS_METHOD } from '../../src/helper/progress.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/methods.ts';
import type { FixtureServer } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterAll(async () => {
  await stopAllHelpers();
  removeWtsHelperFiles();
});

/** This computer, without sessions, whose enumeration takes 1.3 s: its listing runs over PROGRESS_AFTER_MS. */
const SLOW_HERE: FixtureServer[] = [{ name: '.', latencyMs: 1_300, sessions: [] }];
/** Longer than PROGRESS_EVERY_MS: a progress timer left running would write within it. */
const QUIET_MS = 2 * PROGRESS_EVERY_MS + 100;

interface Line {
  id?: unknown;
  method?: string;
  params?: Record<string, unknown>;
  result?: { Items: unknown[] };
}

async function startAsking(): Promise<ReturnType<typeof startWtsHelper>> {
  const wts = startWtsHelper(SLOW_HERE);
  await wts.helper.sendJson({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { ProtocolVersion: PROTOCOL_VERSION, Progress: true } });
  expect(((await wts.helper.next(15_000)) as Line).id).toBe('init');
  return wts;
}

describe('progress notifications at their edges', () => {
  /** One helper for both tests: each ends with a quiet QUIET_MS, so the next starts with nothing pending. */
  let h: ReturnType<typeof startWtsHelper>['helper'];
  beforeAll(async () => {
    h = (await startAsking()).helper;
  });

  it('a request without params gets them before its answer (one computer: this one), and none after it', async () => {
    await h.sendJson({ jsonrpc: '2.0', id: 'bare', method: 'sessions.list' });
    const lines: Line[] = [];
    for (;;) {
      const line = (await h.next(30_000)) as Line;
      lines.push(line);
      if (line.id === 'bare') break;
    }
    expect(lines.at(-1)?.result).toEqual({ Items: [], Errors: [] });
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p).toMatchObject({ jsonrpc: '2.0', method: PROGRESS_METHOD, params: { Id: 'bare', Total: 1 } });
      expect([0, 1]).toContain(p.params?.Completed);
    }
    expect(await h.linesWithin(QUIET_MS)).toEqual([]);
  });

  it('a notification, and a request with id null, get none', async () => {
    await h.sendJson({ jsonrpc: '2.0', method: 'sessions.list', params: {} });
    await h.sendJson({ jsonrpc: '2.0', id: null, method: 'sessions.list', params: {} });
    const answer = (await h.next(30_000)) as Line;
    expect(answer.id).toBeNull();
    expect(answer.result).toEqual({ Items: [], Errors: [] });
    // The notification's listing ends about when the other one does; nothing else comes.
    expect(await h.linesWithin(QUIET_MS)).toEqual([]);
  });
});
