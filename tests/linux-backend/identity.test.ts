/**
 * Which kernel session each utmp record stands for (src/backend/linux/identity.ts), on process
 * tables shaped as tmux, screen, sshd and login(1) leave them (docs/linux-sessions.md). The real
 * processes are in tests/e2e/LinuxIdentity.Tests.ps1; this is the decision alone.
 */
import { describe, expect, it } from 'vitest';
import { resolveSessions, type MachineView } from '../../src/backend/linux/identity.ts';
import type { ProcStat } from '../../src/backend/linux/proc.ts';
import type { UtmpRecord } from '../../src/backend/linux/utmp-read.ts';

const PTS = (n: number): number => (136 << 8) | n; // /dev/pts/N: major 136
const TTY1 = (4 << 8) | 1;

/** [pid, ppid, session, tty_nr], started at tick 1000 + pid. */
type Row = [number, number, number, number];

function view(rows: Row[], opts: { hidden?: number[]; reused?: number[] } = {}): MachineView {
  const processes = new Map<number, ProcStat>(
    rows.map(([pid, ppid, session, ttyNr]) => [pid, { state: 'S', ppid, session, ttyNr, startTicks: 1000 + pid }]),
  );
  const ttys: Record<string, number> = { 'pts/0': PTS(0), 'pts/1': PTS(1), 'pts/2': PTS(2), tty1: TTY1, null: (1 << 8) | 3 };
  return {
    processes,
    terminal: (line) => ttys[line] ?? null,
    hidden: (pid) => opts.hidden?.includes(pid) ?? false,
    startedAfter: (ticks) => opts.reused?.includes(ticks - 1000) ?? false,
    loginMs: (r) => r.tvSec * 1000,
  };
}

function record(pid: number, line: string, user = 'ann', tvSec = 1_700_000_000): UtmpRecord {
  return { type: 7, pid, line, id: '', user, host: '', session: 0, tvSec, tvUsec: 0, addrV6: Buffer.alloc(16) };
}

const ids = (rows: Row[], records: UtmpRecord[], opts?: Parameters<typeof view>[1]) =>
  resolveSessions(records, view(rows, opts)).map((s) => [s.record.line, s.id, s.members?.map((m) => m.pid) ?? null]);

describe('resolveSessions', () => {
  it('tmux: every pane recorded with the server pid is the session of its own shell', () => {
    const rows: Row[] = [
      [100, 1, 100, 0], // tmux server, daemonized (setsid), no terminal
      [101, 100, 101, PTS(0)], // pane 0's shell
      [102, 100, 102, PTS(1)], // pane 1's shell
      [103, 102, 102, PTS(1)], // a job in pane 1
    ];
    expect(ids(rows, [record(100, 'pts/0'), record(100, 'pts/1')])).toEqual([
      ['pts/0', 101, [101]],
      ['pts/1', 102, [102, 103]],
    ]);
  });

  it('sshd: recorded with root\'s monitor, the session is the user\'s shell and its jobs, not the sshd processes', () => {
    const rows: Row[] = [
      [200, 50, 200, 0], // sshd: ann [priv], a session of its own
      [201, 200, 200, 0], // sshd: ann@pts/2 (uid ann)
      [202, 201, 202, PTS(2)], // -bash
      [203, 202, 202, PTS(2)], // vim
    ];
    expect(ids(rows, [record(200, 'pts/2')])).toEqual([['pts/2', 202, [202, 203]]]);
  });

  it('screen records each window with the window\'s own shell: that shell\'s session', () => {
    const rows: Row[] = [
      [300, 1, 300, 0], // SCREEN (the server)
      [301, 300, 301, PTS(0)],
      [302, 300, 302, PTS(1)],
    ];
    expect(ids(rows, [record(301, 'pts/0'), record(302, 'pts/1')])).toEqual([
      ['pts/0', 301, [301]],
      ['pts/1', 302, [302]],
    ]);
  });

  it('login(1) on a console: recorded with login, the session is the shell it forked', () => {
    const rows: Row[] = [
      [400, 1, 400, 0], // login, which gave up the terminal to its child
      [401, 400, 401, TTY1], // -bash
    ];
    expect(ids(rows, [record(400, 'tty1')])).toEqual([['tty1', 401, [401]]]);
  });

  it('login(1) that keeps the terminal: recorded with the shell, which is in login\'s session; one row with the terminal\'s own record', () => {
    const rows: Row[] = [
      [410, 1, 410, 0], // tmux server
      [411, 410, 411, TTY1], // login -f, the pane's program: leads the terminal's session (root)
      [412, 411, 411, TTY1], // -bash (the user), recorded by login
    ];
    const resolved = resolveSessions([record(410, 'tty1', 'root', 100), record(412, 'tty1', 'ann', 101)], view(rows));
    expect(resolved.map((s) => [s.id, s.record.user, s.members?.map((m) => m.pid)])).toEqual([[411, 'ann', [411, 412]]]);
  });

  it('a pane that is gone (record left behind) is no session: its server is not taken for it', () => {
    const rows: Row[] = [
      [100, 1, 100, 0],
      [101, 100, 101, PTS(0)],
    ];
    expect(ids(rows, [record(100, 'pts/0'), record(100, 'pts/7')])).toEqual([['pts/0', 101, [101]]]);
    // ...nor when its terminal now belongs to a session not under the recorded process.
    const taken: Row[] = [...rows, [500, 1, 500, PTS(1)]];
    expect(ids(taken, [record(100, 'pts/0'), record(100, 'pts/1')])).toEqual([['pts/0', 101, [101]]]);
  });

  it('a record with no terminal is its recorded process, with all of its session when it leads one', () => {
    const rows: Row[] = [
      [600, 1, 600, 0], // leads its session (an X session's process)
      [601, 600, 600, 0],
      [700, 1, 699, 0], // not a session leader: that process alone
      [699, 1, 699, 0],
    ];
    expect(ids(rows, [record(600, ':0'), record(700, '')])).toEqual([
      [':0', 600, [600, 601]],
      ['', 700, [700]],
    ]);
  });

  it('a record whose terminal no session of it controls is no session: not yet, no longer, or someone else\'s', () => {
    const rows: Row[] = [
      [800, 1, 800, 0], // a tmux server whose first pane's shell has not taken its terminal yet
      [801, 800, 800, 0],
      [900, 1, 900, PTS(0)], // someone else's session on pts/0
    ];
    expect(ids(rows, [record(800, 'pts/0'), record(800, 'pts/1')])).toEqual([]);
    // The same process with a line that names no terminal is itself (a leader: its whole session).
    expect(ids(rows, [record(800, 'pts/9')])).toEqual([['pts/9', 800, [800, 801]]]);
  });

  it('a recorded pid that is gone, or reused by a process started after the login, is no session', () => {
    const rows: Row[] = [[950, 1, 950, 0]];
    expect(ids(rows, [record(949, 'pts/0'), record(950, 'pts/1')], { reused: [950] })).toEqual([]);
  });

  it('a recorded process /proc hides (hidepid) is known by its pid alone', () => {
    expect(ids([], [record(960, 'pts/0')], { hidden: [960] })).toEqual([['pts/0', 960, null]]);
  });

  it('two records of one session are one row: the later login', () => {
    const rows: Row[] = [
      [200, 1, 200, 0],
      [202, 200, 202, PTS(2)],
    ];
    const resolved = resolveSessions([record(200, 'pts/2', 'old', 100), record(200, 'pts/2', 'new', 200), record(200, 'pts/2', 'older', 50)], view(rows));
    expect(resolved.map((s) => [s.id, s.record.user])).toEqual([[202, 'new']]);
  });
});
