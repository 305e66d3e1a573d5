/**
 * Ending sessions as a user who is not root, with pidfds, through session-end.ts and escalation.ts
 * themselves (fixtures/end-as-caller.ts, run as nobody), for what a logoff through the backend
 * cannot time or tell apart: a process of hers that ends and whose pid goes to root's process
 * between binding and the first signal; sessions of one logoff that end differently (each its own
 * answer); another user's process that ends on its own during the grace period; a process of hers
 * that /proc hides by the time it is bound (hidepid). What the backend answers as nobody is
 * logoff-as-user.test.ts's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/backend/linux/proc.ts';
import type { EndSpec } from './fixtures/end-as-caller.ts';
import { bundleWithKoffi, hidepidUsable, NOBODY, runAsNobodyUnderHidepid } from './as-user.ts';
import { adopt, buildTestProgram, canChoosePids, isGone, makeTempDir, QUICK_TIMING_ENV, removeDir, startLeader, startWithPid, stopAll, waitFor } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const TIMING = QUICK_TIMING_ENV.SESSIONTOOLS_LOGOFF_TIMING_MS;

/** A process as the look saw it: its pid and start time. */
function seen(pid: number): { pid: number; startTicks: number } {
  const stat = readProcStat(pid);
  if (stat === null) throw new Error(`pid ${pid} is gone`);
  return { pid, startTicks: stat.startTicks };
}

/** A session of these processes, known by the first one's pid. */
const sessionOf = (...pids: number[]): EndSpec['sessions'][number] => ({ pid: pids[0]!, members: pids.map(seen) });

function uidOf(pid: number): number | null {
  try {
    return Number(/\nUid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return null;
  }
}

describe.skipIf(process.getuid?.() !== 0)('ending sessions as nobody, with pidfds', () => {
  let dir: string;
  let script: string;
  let rootOnHangup: string;
  /** Her processes, by pid, so that a test can wait for one to be reaped. */
  const children = new Map<number, ChildProcess>();

  beforeAll(() => {
    dir = makeTempDir('st-end-as-user-');
    chmodSync(dir, 0o755);
    script = bundleWithKoffi(join(here, 'fixtures', 'end-as-caller.ts'), dir);
    rootOnHangup = buildTestProgram('root-on-hangup', dir);
    chmodSync(rootOnHangup, 0o4755);
  });
  afterEach(() => {
    stopAll();
    children.clear();
  });
  afterAll(() => removeDir(dir));

  /** `sleep 600` as nobody, in a session of its own. */
  function startHers(): number {
    const child = spawn('sleep', ['600'], { uid: NOBODY, gid: NOBODY, detached: true, stdio: 'ignore' });
    adopt(child.pid!);
    children.set(child.pid!, child);
    child.unref();
    return child.pid!;
  }

  /** c/root-on-hangup as nobody (setuid root: SIGHUP makes it root's); null where it stays nobody's (nosuid). */
  async function startTurning(): Promise<number | null> {
    const child = spawn(rootOnHangup, [], { uid: NOBODY, gid: NOBODY, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    adopt(child.pid!);
    const ready = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`root-on-hangup exited early (${code})`)));
    });
    child.stdout!.destroy();
    child.unref();
    // In its pause(): a SIGHUP before it would only mark the hang-up.
    await waitFor(() => readProcStat(child.pid!)?.state === 'S', 2_000);
    return ready === 'ready 0' ? child.pid! : null;
  }

  /** The fixture as nobody: each line it prints, parsed, in turn; `go()` lets a paused step go on. */
  function caller(spec: EndSpec): { next(): Promise<unknown>; go(): void } {
    const child = spawn(process.execPath, [script, JSON.stringify(spec)], {
      uid: NOBODY,
      gid: NOBODY,
      cwd: dirname(script),
      env: { ...process.env, HOME: '/tmp' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    adopt(child.pid!);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    return {
      next: async () => {
        const line = await lines.next();
        if (line.done) throw new Error('end-as-caller ended before its next line');
        return JSON.parse(line.value) as unknown;
      },
      go: () => void child.stdin!.write('go\n'),
    };
  }

  it.skipIf(!canChoosePids)(
    "a process of hers, bound, that ends and whose pid goes to root's process before the first signal: the check through its pidfd finds it ended, and the session has ended; the newcomer is untouched",
    async ({ skip }) => {
      const hers = startHers();
      const run = caller({ sessions: [sessionOf(hers)], leaders: [], timing: TIMING, pause: true });
      expect(await run.next()).toEqual({ Pidfds: true, Bound: [[hers]] });
      const reaped = new Promise((resolve) => children.get(hers)!.once('exit', resolve));
      process.kill(hers, 'SIGKILL');
      await reaped;
      expect(await waitFor(() => readProcStat(hers) === null, 5_000)).toBe(true);
      if (startWithPid(hers) === null) {
        run.go();
        skip(`pid ${hers} went to another process on this machine, not to the test's`);
      }
      run.go();
      // Through kill(2) instead, her pid would be root's newcomer: refused (EPERM), and the answer AccessDenied.
      expect(await run.next()).toEqual({ Hangups: ['ended'], LeaderHangups: [] });
      run.go();
      expect(await run.next()).toEqual({ Done: [{ kind: 'ended' }], LeaderDone: [], OpenPidfds: 0 });
      expect(isGone(hers)).toBe(false); // root's newcomer
      expect(uidOf(hers)).toBe(0);
    },
  );

  it("three sessions ended together, each with its own answer: hers (ended), hers with a process that turns root's after SIGHUP (denied), hers with root's process in it (denied); no pidfd is left open", async ({ skip }) => {
    const [a1, b1, c1] = [startHers(), startHers(), startHers()];
    const b2 = await startTurning();
    const d1 = await startTurning();
    if (b2 === null || d1 === null) return skip('root-on-hangup stays nobody\'s here (a file system mounted nosuid)');
    const c2 = await startLeader(); // root's, as login(1) or sudo in her session
    const run = caller({ sessions: [sessionOf(a1), sessionOf(b1, b2), sessionOf(c1, c2)], leaders: [seen(d1)], timing: TIMING, pause: false });
    expect(await run.next()).toEqual({ Pidfds: true, Bound: [[a1], [b1, b2], [c1, c2]] });
    expect(await run.next()).toEqual({ Hangups: ['sent', 'sent', 'sent'], LeaderHangups: ['sent'] });
    expect(await run.next()).toEqual({
      Done: [{ kind: 'ended' }, { kind: 'denied' }, { kind: 'denied' }],
      // escalation.ts alone: the process SIGTERM was refused to.
      LeaderDone: [{ kind: 'denied' }],
      // The pidfd of root's process in her session too, once the wait for it is over.
      OpenPidfds: 0,
    });
    expect([a1, b1, c1].filter((pid) => !isGone(pid))).toEqual([]);
    expect([b2, d1, c2].map(uidOf)).toEqual([0, 0, 0]);
  });

  it("another user's session is refused at once, without a signal: its process ending on its own during what would be the grace period changes nothing", async () => {
    const roots = await startLeader();
    const run = caller({ sessions: [sessionOf(roots)], leaders: [], timing: '3000,400,300', pause: true });
    expect(await run.next()).toEqual({ Pidfds: true, Bound: [[roots]] });
    run.go();
    expect(await run.next()).toEqual({ Hangups: ['denied'], LeaderHangups: [] });
    expect(isGone(roots)).toBe(false);
    process.kill(roots, 'SIGKILL');
    expect(await waitFor(() => isGone(roots), 2_000)).toBe(true);
    run.go();
    expect(await run.next()).toEqual({ Done: [{ kind: 'denied' }], LeaderDone: [], OpenPidfds: 0 });
  });

  it.skipIf(!hidepidUsable)(
    "a process of hers seen at the look that is root's by the bind, so /proc (hidepid=2) hides it: not bound, its pidfd closed, no signal sent",
    async ({ skip }) => {
      const turning = await startTurning();
      if (turning === null) return skip('root-on-hangup stays nobody\'s here (a file system mounted nosuid)');
      const atLook = sessionOf(turning);
      // Again until it is root's: a SIGHUP that comes before its pause() only marks the hang-up.
      const rootNow = (): boolean => /\nUid:\s+0\s+0\s+0/.test(readFileSync(`/proc/${turning}/status`, 'utf8'));
      expect(await waitFor(() => rootNow() || (process.kill(turning, 'SIGHUP'), false), 2_000)).toBe(true);
      const spec: EndSpec = { sessions: [atLook], leaders: [], timing: TIMING, pause: false };
      const out = runAsNobodyUnderHidepid(2, script, [JSON.stringify(spec)]);
      expect(out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual([
        { Pidfds: true, Bound: [[]] },
        { Hangups: ['ended'], LeaderHangups: [] },
        { Done: [{ kind: 'ended' }], LeaderDone: [], OpenPidfds: 0 },
      ]);
      expect(isGone(turning)).toBe(false);
    },
  );
});
