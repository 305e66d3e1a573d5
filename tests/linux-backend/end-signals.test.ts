/**
 * Which signals each process of a session gets when it is logged off, and when, as the processes
 * themselves record them (c/signal-recorder.c): SIGHUP to every one at once, SIGTERM to those still
 * there once hupToTermMs has passed, SIGKILL to those still there termToKillMs later, and nothing
 * to a process that has ended; and none to a process the session started after the look at /proc
 * (it is not among the processes the logoff holds). Sessions (the kernel session of their recorded
 * process) through the backend, with short grace periods.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { adopt, buildTestProgram, buildUtmpWriter, isGone, makeTempDir, QUICK_TIMING, removeDir, stopAll, waitFor, writeUtmp } from './support.ts';

/** CLOCK_MONOTONIC in milliseconds, the recorder's clock. */
const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

describe('the signals of a logoff, as its processes record them', () => {
  let dir: string;
  let writer: string;
  let recorder: string;

  beforeAll(() => {
    dir = makeTempDir('st-end-signals-');
    writer = buildUtmpWriter(dir);
    recorder = buildTestProgram('signal-recorder', dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  it('SIGHUP to each; SIGTERM hupToTermMs later to the two that stayed; SIGKILL termToKillMs after that to the one that stayed again; nothing more to any', async () => {
    // One session (setsid): one recorder that SIGHUP ends, one that SIGTERM ends, and its leader, which SIGKILL ends.
    const child = spawn('sh', ['-c', '"$0" & "$0" HUP & exec "$0" HUP TERM', recorder], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const leader = child.pid!;
    adopt(leader);
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    expect(await waitFor(() => lines.length === 3, 5_000)).toBe(true);
    const kinds = new Map(lines.map((l) => [l.slice(l.indexOf(' ready') + ' ready'.length).trim(), Number(l.split(' ')[0])]));
    const [endsAtHup, endsAtTerm] = [kinds.get('')!, kinds.get('HUP')!];
    for (const pid of [endsAtHup, endsAtTerm]) adopt(pid);
    expect(kinds.get('HUP TERM')).toBe(leader);

    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid: leader, line: '', user: 'user0', loginMs: Date.now() }]);
    const backend = createLinuxBackend({ utmpPath: utmp, logoffTiming: QUICK_TIMING });
    const started = monotonicMs();
    const { Outcomes } = await backend.actions['sessions.logoff']({ Targets: [{ SessionId: leader }], Wait: true });
    const doneMs = monotonicMs();
    expect(Outcomes).toEqual([{ Target: { SessionId: leader }, Item: null, Error: null }]);
    expect([endsAtHup, endsAtTerm, leader].filter((pid) => !isGone(pid))).toEqual([]);

    const got = (pid: number): [string, number][] =>
      lines.filter((l) => l.startsWith(`${pid} SIG`)).map((l) => [l.split(' ')[1]!, Number(l.split(' ')[2])]);
    expect([endsAtHup, endsAtTerm, leader].map((pid) => got(pid).map(([signal]) => signal))).toEqual([['SIGHUP'], ['SIGHUP', 'SIGTERM'], ['SIGHUP', 'SIGTERM']]);
    // Not before its time: each signal is sent at or after its step's start (the recorder reads the clock after).
    for (const pid of [endsAtTerm, leader]) {
      const [[, hup], [, term]] = got(pid) as [[string, number], [string, number]];
      expect(hup).toBeGreaterThanOrEqual(started);
      expect(term).toBeGreaterThanOrEqual(started + QUICK_TIMING.hupToTermMs);
    }
    // The leader ignored SIGTERM too: the logoff was over only once SIGKILL had ended it, termToKillMs on.
    expect(doneMs).toBeGreaterThanOrEqual(started + QUICK_TIMING.hupToTermMs + QUICK_TIMING.termToKillMs);
    expect(await waitFor(() => child.exitCode !== null || child.signalCode !== null, 2_000)).toBe(true);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('a process the session starts after the look (a shell that starts a job when it is hung up) is not signalled, and stays; those looked at end', async () => {
    // The shell leads the session, traps SIGHUP (it starts the recorder then) and not SIGTERM.
    const script = 'trap \'"$0" HUP TERM &\' HUP; while :; do sleep 0.05; done';
    const child = spawn('sh', ['-c', script, recorder], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const shell = child.pid!;
    adopt(shell);
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    const utmp = join(dir, 'utmp-late');
    writeUtmp(writer, utmp, [{ pid: shell, line: '', user: 'user0', loginMs: Date.now() }]);
    // Time for the shell's trap to run before SIGTERM, on a loaded machine.
    const backend = createLinuxBackend({ utmpPath: utmp, logoffTiming: { ...QUICK_TIMING, hupToTermMs: 600 } });
    const { Outcomes } = await backend.actions['sessions.logoff']({ Targets: [{ SessionId: shell }], Wait: true });
    expect(Outcomes).toEqual([{ Target: { SessionId: shell }, Item: null, Error: null }]);
    expect(await waitFor(() => child.signalCode !== null, 2_000)).toBe(true);
    expect(child.signalCode).toBe('SIGTERM'); // it stayed after SIGHUP, and ended at SIGTERM
    expect(await waitFor(() => lines.length > 0, 2_000)).toBe(true);
    const late = Number(lines[0]!.split(' ')[0]);
    adopt(late);
    expect(lines).toEqual([`${late} ready HUP TERM`]);
    await new Promise((r) => setTimeout(r, QUICK_TIMING.termToKillMs));
    expect(lines).toEqual([`${late} ready HUP TERM`]); // no signal came
    expect(isGone(late)).toBe(false);
  });
});
