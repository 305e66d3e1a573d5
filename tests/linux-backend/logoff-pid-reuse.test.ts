/**
 * The pid-reuse guard between the signals of a Linux logoff, with real processes and the real
 * helper process: the leader ignores SIGHUP, so the helper waits to send SIGTERM; meanwhile the
 * leader dies and its pid is given to a new, unrelated process. The helper must see that the
 * leader it was ending is gone (the pid's start time changed) and never signal the newcomer.
 *
 * To make the swap happen between two of the helper's looks at the pid, the helper is stopped
 * (SIGSTOP) while it happens, and the kernel is asked for that very pid through
 * /proc/sys/kernel/ns_last_pid (root only: the next fork gets the number after the one written).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGOFF_TIMING } from '../../src/backend/linux/index.ts';
import { HelperProcess, stopAllHelpers, type RpcAnswer } from '../helper/support.ts';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, waitFor, writeUtmp } from './support.ts';

const NS_LAST_PID = '/proc/sys/kernel/ns_last_pid';

function canChoosePids(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    accessSync(NS_LAST_PID, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

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

/** Starts `sleep 600` with exactly this pid, which must be free; null when others took it first, five times. */
function startWithPid(pid: number): ChildProcess | null {
  for (let attempt = 0; attempt < 5; attempt++) {
    writeFileSync(NS_LAST_PID, String(pid - 1));
    const child = track(spawn('sleep', ['600'], { detached: true, stdio: 'ignore' }));
    if (child.pid === pid) return child;
    child.kill('SIGKILL');
  }
  return null;
}

describe.skipIf(!canChoosePids())('Linux logoff: a leader replaced by another process during the escalation', () => {
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
  afterAll(() => removeDir(dir));

  it('ends the logoff as soon as the pid is another process, and never signals that process', async () => {
    const leader = await startHupIgnoringLeader();
    const pid = leader.pid!;
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid, line: 'pts/77', user: 'leaving', loginMs: Date.now() }]);
    const helper = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: utmp } });

    const hup = lineFrom(leader, 'hup', 10_000);
    await helper.send(JSON.stringify({ jsonrpc: '2.0', id: 'logoff', method: 'sessions.logoff', params: { Targets: [{ SessionId: pid }], Wait: true } }));
    await hup; // SIGHUP was sent and ignored: the helper now polls the pid until SIGTERM is due.

    helper.kill('SIGSTOP');
    let newcomer: ChildProcess | null = null;
    try {
      leader.kill('SIGKILL');
      expect(await waitFor(() => !existsSync(`/proc/${pid}`), 5_000), 'the leader was not reaped').toBe(true);
      newcomer = startWithPid(pid);
      expect(newcomer, `pid ${pid} could not be given to a new process`).not.toBeNull();
    } finally {
      helper.kill('SIGCONT');
    }
    const resumed = Date.now();

    const answer = (await helper.next(LOGOFF_TIMING.hupToTermMs + LOGOFF_TIMING.termToKillMs + 5_000)) as RpcAnswer;
    const answeredAfter = Date.now() - resumed;
    expect(isGone(pid), `the helper signalled the new process ${pid}`).toBe(false);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 'logoff', result: { Outcomes: [{ Target: { SessionId: pid }, Item: null, Error: null }] } });
    // It noticed at its next look, long before SIGTERM would have been due.
    expect(answeredAfter).toBeLessThan(LOGOFF_TIMING.hupToTermMs);
    // And it does not come back to it later.
    await new Promise((r) => setTimeout(r, LOGOFF_TIMING.hupToTermMs + 500));
    expect(isGone(pid)).toBe(false);
    expect(newcomer!.exitCode).toBeNull();
    expect(newcomer!.signalCode).toBeNull();
  });
});
