/**
 * SESSIONTOOLS_LOGOFF_TIMING_MS: the Linux logoff's grace periods, given to the helper for tests
 * (src/backend/select.ts, escalation.ts parseLogoffTiming). A valid value reaches the escalation
 * of the helper's logoffs; a malformed one stops the helper at start (exit code 1, the reason on
 * stderr), on the Linux backend and on the WTS one alike, never ignored. Without it, the default
 * (LOGOFF_TIMING): SIGTERM 2 s after SIGHUP, not before.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGOFF_TIMING, parseLogoffTiming } from '../../src/backend/linux/escalation.ts';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../linux-backend/support.ts';
import { HelperProcess, stopAllHelpers, type RpcAnswer } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

const VAR = 'SESSIONTOOLS_LOGOFF_TIMING_MS';
const rule = (text: string): string =>
  `${VAR} must be three whole numbers of milliseconds from 1 to 600000, separated by commas ` +
  `(SIGHUP to SIGTERM, SIGTERM to SIGKILL, after SIGKILL; the default is 2000,3000,2000); it is '${text}'.`;

let dir: string;
let writer: string;

beforeAll(() => {
  dir = makeTempDir('st-helper-timing-');
  writer = buildUtmpWriter(dir);
});
afterEach(async () => {
  await stopAllHelpers();
  stopAll();
});
afterAll(() => {
  removeDir(dir);
  removeWtsHelperFiles();
});

describe('parseLogoffTiming', () => {
  it('reads three whole milliseconds, in the order of the sequence, spaces around them allowed', () => {
    expect(parseLogoffTiming('2000,3000,2000', VAR)).toEqual(LOGOFF_TIMING);
    expect(parseLogoffTiming(' 1 ,600000,  45', VAR)).toEqual({ hupToTermMs: 1, termToKillMs: 600_000, afterKillMs: 45 });
  });

  it.each(['', '2000,3000', '2000,3000,2000,1', '0,1,1', '1,600001,1', '1.5,2,3', '-1,2,3', '1e3,2,3', 'a,b,c', '0x10,2,3', '1,,3', '1,2,3,'])(
    "refuses '%s', naming the variable, the rule and the value",
    (text) => {
      expect(() => parseLogoffTiming(text, VAR)).toThrow(new Error(rule(text)));
    },
  );
});

describe('the helper with SESSIONTOOLS_LOGOFF_TIMING_MS', () => {
  it('escalates with the given grace periods: SIGKILL 0.3 s after SIGHUP, not 5 s', async () => {
    const pid = await startLeader('ignoresHupAndTerm');
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid, line: 'pts/62', user: 'quick', loginMs: Date.now() }]);
    const h = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: utmp, [VAR]: '100,200,150' } });
    const started = performance.now();
    const answer = (await h.call('sessions.logoff', { Targets: [{ SessionId: pid }], Wait: true }, 'quick')) as RpcAnswer;
    const ms = performance.now() - started;
    expect(answer).toEqual({ jsonrpc: '2.0', id: 'quick', result: { Outcomes: [{ Target: { SessionId: pid }, Item: null, Error: null }] } });
    expect(isGone(pid)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(300 - 5);
    expect(ms).toBeLessThan(LOGOFF_TIMING.hupToTermMs);
  });

  it('without the variable, the default: SIGTERM 2 s after an ignored SIGHUP, not before', async () => {
    const pid = await startLeader('ignoresHup');
    const utmp = join(dir, 'utmp-default');
    writeUtmp(writer, utmp, [{ pid, line: 'pts/63', user: 'default', loginMs: Date.now() }]);
    const h = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: utmp, [VAR]: undefined } });
    const started = performance.now();
    const answer = (await h.call('sessions.logoff', { Targets: [{ SessionId: pid }], Wait: true }, 'default', 10_000)) as RpcAnswer;
    const ms = performance.now() - started;
    expect(answer).toEqual({ jsonrpc: '2.0', id: 'default', result: { Outcomes: [{ Target: { SessionId: pid }, Item: null, Error: null }] } });
    expect(isGone(pid)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(2_000 - 5);
    expect(ms).toBeLessThan(2_000 + LOGOFF_TIMING.termToKillMs);
  });

  it.each(['2000,3000', 'soon', '0,0,0'])("'%s' stops the Linux helper at start: exit code 1, the reason on stderr, nothing on stdout", async (text) => {
    const h = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: join(dir, 'none'), [VAR]: text }, initialize: false });
    expect(await h.exitWithin(5_000)).toEqual({ code: 1, signal: null });
    expect(h.stderr).toBe(`SessionTools helper failed to start: ${rule(text)}\n`);
    expect(h.lines).toEqual([]);
  });

  it('a malformed value stops the helper on the WTS backend too', async () => {
    const { helper } = startWtsHelper([], {}, undefined, { [VAR]: '1,2' });
    expect(await helper.exitWithin(5_000)).toEqual({ code: 1, signal: null });
    expect(helper.stderr).toBe(`SessionTools helper failed to start: ${rule('1,2')}\n`);
  });
});
