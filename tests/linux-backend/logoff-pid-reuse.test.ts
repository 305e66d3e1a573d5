/**
 * The pid-reuse guard between the signals of a Linux logoff, with real processes: the leader
 * ignores SIGHUP, so the logoff waits to send SIGTERM; meanwhile the leader dies and its pid is
 * given to a new, unrelated process. The logoff must see that the leader it was ending is gone and
 * never signal the newcomer: the helper, which holds the leader by a pidfd, and the path taken
 * without pidfds (kill() after a look at the pid's start time in /proc), run in a process of its own.
 *
 * To make the swap happen between two of the logoff's looks at the leader, the process running it
 * is stopped (SIGSTOP) while it happens, and the kernel is asked for that very pid through
 * /proc/sys/kernel/ns_last_pid (root only: the next fork gets the number after the one written).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HelperProcess, stopAllHelpers, type RpcAnswer } from '../helper/support.ts';
import { LineCollector } from '../support/line-collector.ts';
import { buildUtmpWriter, bundleScript, canChoosePids, isGone, makeTempDir, removeDir, startWithPid, stopAll, waitFor, writeUtmp } from './support.ts';

/**
 * The grace periods of the logoffs here, shorter than the default (2 s, 3 s, 2 s) but with time
 * enough after SIGHUP for the test to stop the logoff's process before SIGTERM is due (the swap
 * may take longer; then SIGTERM is due when it runs on, and the guard must hold there too).
 */
const TIMING = '600,400,300';
/** The whole escalation. */
const ESCALATION_MS = 600 + 400 + 300;
/** "Promptly" after the logoff's process runs again, on a loaded machine. */
const PROMPT_MS = 2_000;
const here = dirname(fileURLToPath(import.meta.url));

/** Every process this file started, ended by pid afterwards. */
const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A session leader that ignores SIGHUP and says on stdout when one arrived. */
async function startHupIgnoringLeader(): Promise<ChildProcess> {
  const script = "process.on('SIGHUP', () => process.stdout.write('hup\\n')); setInterval(() => {}, 1e6); process.stdout.write('ready\\n');";
  const child = track(spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] }));
  await lineFrom(child, 'ready', 10_000);
  return child;
}

function lineFrom(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no '${text}' from pid ${child.pid} within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe.skipIf(!canChoosePids)('Linux logoff: a leader replaced by another process during the escalation', () => {
  let dir: string;
  let writer: string;

  beforeAll(() => {
    dir = makeTempDir('st-pid-reuse-');
    writer = buildUtmpWriter(dir);
  });
  afterEach(async () => {
    await stopAllHelpers();
    for (const child of children) child.kill('SIGKILL');
  });
  afterAll(() => {
    stopAll();
    removeDir(dir);
  });

  /**
   * The swap: `stopped` (the process running the logoff) is frozen while the leader dies and a new
   * process gets its pid; then it runs on. Returns the newcomer, to be checked afterwards.
   */
  async function swapLeaderWhileStopped(stopped: number, leader: ChildProcess, skip: (note: string) => never): Promise<number> {
    const pid = leader.pid!;
    process.kill(stopped, 'SIGSTOP');
    try {
      leader.kill('SIGKILL');
      expect(await waitFor(() => !existsSync(`/proc/${pid}`), 5_000), 'the leader was not reaped').toBe(true);
      const newcomer = startWithPid(pid);
      // A loaded machine can start a process or thread with that pid first (after the write to
      // ns_last_pid, before the fork): then there is no swap to test.
      if (newcomer === null) skip(`pid ${pid} went to another process on this machine, not to the test's`);
      return newcomer;
    } finally {
      process.kill(stopped, 'SIGCONT');
    }
  }

  /** The newcomer was never signalled, even after the whole escalation would have run. */
  async function expectUntouched(newcomer: number): Promise<void> {
    expect(isGone(newcomer), `the new process ${newcomer} was signalled`).toBe(false);
    await new Promise((r) => setTimeout(r, ESCALATION_MS + 300));
    expect(isGone(newcomer), `the new process ${newcomer} was signalled`).toBe(false);
  }

  it('the helper (signals through a pidfd) ends the logoff at its next look, and never signals the newcomer', async ({ skip }) => {
    const leader = await startHupIgnoringLeader();
    const pid = leader.pid!;
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid, line: 'pts/77', user: 'leaving', loginMs: Date.now() }]);
    const helper = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: utmp, SESSIONTOOLS_LOGOFF_TIMING_MS: TIMING } });

    const hup = lineFrom(leader, 'hup', 10_000);
    await helper.send(JSON.stringify({ jsonrpc: '2.0', id: 'logoff', method: 'sessions.logoff', params: { Targets: [{ SessionId: pid }], Wait: true } }));
    await hup; // SIGHUP was sent and ignored: the helper now waits for the leader until SIGTERM is due.
    const newcomer = await swapLeaderWhileStopped(helper.pid, leader, skip);
    const resumed = Date.now();

    const answer = (await helper.next(ESCALATION_MS + 5_000)) as RpcAnswer;
    expect(isGone(pid), `the helper signalled the new process ${pid}`).toBe(false);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 'logoff', result: { Outcomes: [{ Target: { SessionId: pid }, Item: null, Error: null }] } });
    // It noticed at its next look (or at SIGTERM, if that was due by then): promptly, not after SIGKILL's wait.
    expect(Date.now() - resumed).toBeLessThan(PROMPT_MS);
    await expectUntouched(newcomer);
  });

  it('without pidfds (kill() after a look in /proc), the same: the start time tells the newcomer apart', async ({ skip }) => {
    const leader = await startHupIgnoringLeader();
    const pid = leader.pid!;
    const script = bundleScript(join(here, 'fixtures', 'logoff-without-pidfd.ts'), dir);
    const logoff = track(spawn(process.execPath, [script, String(pid), TIMING], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const lines = new LineCollector();
    logoff.stdout!.on('data', (chunk: Buffer) => lines.push(chunk));
    const nextLine = async (ms: number): Promise<unknown> => {
      const want = lines.lines.length + 1;
      const deadline = Date.now() + ms;
      while (lines.lines.length < want && Date.now() < deadline) await lines.changed(deadline - Date.now());
      return JSON.parse(lines.lines[want - 1] ?? 'null');
    };
    const hup = lineFrom(leader, 'hup', 10_000);
    expect(await nextLine(10_000)).toBe('sent');
    await hup;
    const newcomer = await swapLeaderWhileStopped(logoff.pid!, leader, skip);
    const resumed = Date.now();

    expect(await nextLine(ESCALATION_MS + 5_000)).toEqual({ kind: 'ended' });
    expect(isGone(pid), `the logoff signalled the new process ${pid}`).toBe(false);
    expect(Date.now() - resumed).toBeLessThan(PROMPT_MS);
    await expectUntouched(newcomer);
  });
});
