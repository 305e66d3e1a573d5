/**
 * Ending a leader where pidfds do not exist (escalation.ts with `pidfd: null`: kill() after a look
 * in /proc), with real processes: what kill() answers decides the outcome, and SIGTERM follows an
 * ignored SIGHUP. (With pidfds, the same sequence is tested through the backend: logoff.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGOFF_TIMING, startLogoff } from '../../src/backend/linux/escalation.ts';
import { checkLeader } from './leader-check.ts';
import { bundleScript, deadPid, isGone, makeTempDir, QUICK_TIMING, removeDir, startLeader, stopAll } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeAll(() => {
  dir = makeTempDir('st-escalation-');
  chmodSync(dir, 0o755);
});
afterEach(() => stopAll());
afterAll(() => removeDir(dir));

/** The leader as logoff.ts hands it over without pidfds: checked just now, no descriptor. */
function checked(pid: number): { pid: number; startTicks: number | null; pidfd: null } {
  const check = checkLeader(pid, Date.now());
  if (check.status !== 'live') throw new Error(`pid ${pid} is ${check.status}`);
  return { pid, startTicks: check.startTicks, pidfd: null };
}

describe('ending a leader without pidfds', () => {
  it('a pid that no longer exists (ESRCH) has ended already', async () => {
    const pid = await deadPid();
    const logoff = startLogoff({ pid, startTicks: null, pidfd: null }, true);
    expect(logoff.hangup).toBe('ended');
    expect(await logoff.done).toEqual({ kind: 'ended' });
  });

  it('by default, a leader that ignores SIGHUP gets SIGTERM 2 s later, not before', async () => {
    const pid = await startLeader('ignoresHup');
    const started = performance.now();
    const logoff = startLogoff(checked(pid), true);
    expect(logoff.hangup).toBe('sent');
    expect(await logoff.done).toEqual({ kind: 'ended' });
    // Seen ended right after SIGTERM (a look in /proc finds it gone), not only at the SIGKILL step.
    expect(performance.now() - started).toBeGreaterThanOrEqual(LOGOFF_TIMING.hupToTermMs - 5);
    expect(performance.now() - started).toBeLessThan(LOGOFF_TIMING.hupToTermMs + LOGOFF_TIMING.termToKillMs / 2);
    expect(LOGOFF_TIMING.hupToTermMs).toBe(2_000);
    expect(isGone(pid)).toBe(true);
  });

  it('with a timing given: SIGTERM its hupToTermMs after SIGHUP', async () => {
    const pid = await startLeader('ignoresHup');
    const started = performance.now();
    const logoff = startLogoff(checked(pid), true, QUICK_TIMING);
    expect(logoff.hangup).toBe('sent');
    expect(await logoff.done).toEqual({ kind: 'ended' });
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(QUICK_TIMING.hupToTermMs - 5);
    expect(ms).toBeLessThan(QUICK_TIMING.hupToTermMs + QUICK_TIMING.termToKillMs);
    expect(isGone(pid)).toBe(true);
  });

  it('with a timing given: SIGKILL its termToKillMs after SIGTERM, for a leader that ignores both', async () => {
    const pid = await startLeader('ignoresHupAndTerm');
    const started = performance.now();
    const logoff = startLogoff(checked(pid), true, QUICK_TIMING);
    expect(await logoff.done).toEqual({ kind: 'ended' });
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(QUICK_TIMING.hupToTermMs + QUICK_TIMING.termToKillMs - 5);
    expect(ms).toBeLessThan(LOGOFF_TIMING.hupToTermMs);
    expect(isGone(pid)).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)("another user's leader (EPERM) is refused at SIGHUP, and left alone", async () => {
    const pid = await startLeader();
    const script = bundleScript(join(here, 'fixtures', 'logoff-without-pidfd.ts'), dir);
    const started = performance.now();
    const out = execFileSync(process.execPath, [script, String(pid)], { uid: 65534, gid: 65534, cwd: dirname(script), env: { ...process.env, HOME: '/tmp' }, encoding: 'utf8' });
    expect(out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual(['denied', { kind: 'denied' }]);
    // At once: no grace period is waited out for a leader that cannot be signalled at all.
    expect(performance.now() - started).toBeLessThan(LOGOFF_TIMING.hupToTermMs);
    expect(isGone(pid)).toBe(false);
  });
});
