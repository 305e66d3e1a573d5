/**
 * At stdin EOF the helper answers everything in flight before it exits, however long that takes:
 * here a logoff with wait whose leader ignores SIGHUP, so that it ends only at SIGTERM, seconds
 * later, while nothing but that logoff's own timers keeps the helper's event loop alive. (Grace
 * periods shortened by SESSIONTOOLS_LOGOFF_TIMING_MS; logoff-timing.test.ts proves the default.)
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../linux-backend/support.ts';
import { HelperProcess, stopAllHelpers, type RpcAnswer } from './support.ts';

let dir: string;
let writer: string;

beforeAll(() => {
  dir = makeTempDir('st-helper-eof-');
  writer = buildUtmpWriter(dir);
});
afterEach(async () => {
  await stopAllHelpers();
  stopAll();
});
afterAll(() => removeDir(dir));

/** SIGHUP to SIGTERM 0.9 s, then 0.4 s, then 0.3 s. */
const TIMING = { hupToTermMs: 900, env: '900,400,300' };

describe('the helper at stdin EOF', () => {
  it('finishes a logoff with wait that takes until SIGTERM, answers it, then exits 0', async () => {
    const pid = await startLeader('ignoresHup');
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid, line: 'pts/61', user: 'stays', loginMs: Date.now() }]);
    const h = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: utmp, SESSIONTOOLS_LOGOFF_TIMING_MS: TIMING.env } });
    await h.send(JSON.stringify({ jsonrpc: '2.0', id: 'bye', method: 'sessions.logoff', params: { Targets: [{ SessionId: pid }], Wait: true } }));
    h.closeStdin();
    const started = Date.now();
    const exit = await h.exitWithin(10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMING.hupToTermMs - 100);
    expect(h.lines.map((l) => JSON.parse(l) as RpcAnswer)).toEqual([
      { jsonrpc: '2.0', id: 'bye', result: { Outcomes: [{ Target: { SessionId: pid }, Item: null, Error: null }] } },
    ]);
    expect(isGone(pid)).toBe(true);
  });
});
