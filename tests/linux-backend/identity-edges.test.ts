/**
 * The edges of identity.ts's decision (which kernel session a utmp record stands for) that the
 * shapes of identity.test.ts do not reach: how far up the parent chains it looks (64 processes), a
 * chain broken by a process /proc does not show, which processes lead a terminal and own one, two
 * records of one session logged on at the same moment, and an X display's record.
 */
import { describe, expect, it } from 'vitest';
import { resolveSessions, type MachineView } from '../../src/backend/linux/identity.ts';
import type { ProcStat } from '../../src/backend/linux/proc.ts';
import type { UtmpRecord } from '../../src/backend/linux/utmp-read.ts';

/** /dev/pts/0 (major 136); every other line names no terminal device here. */
const PTS0 = 136 << 8;
const LOGIN_S = 1_700_000_000;

/** A process: its pid, parent, kernel session and controlling terminal (0: none). */
interface Proc {
  pid: number;
  ppid: number;
  session: number;
  tty?: number;
}

function machine(procs: Proc[]): MachineView {
  const processes = new Map<number, ProcStat>(procs.map((p) => [p.pid, { state: 'S', ppid: p.ppid, session: p.session, ttyNr: p.tty ?? 0, startTicks: 1 }]));
  return {
    processes,
    terminal: (line) => (line === 'pts/0' ? PTS0 : null),
    hidden: () => false,
    startedAfter: () => false,
    loginMs: (r) => r.tvSec * 1000,
  };
}

const rec = (pid: number, line: string, user = 'ann'): UtmpRecord => ({ type: 7, pid, line, id: '', user, host: '', session: 0, tvSec: LOGIN_S, tvUsec: 0, addrV6: Buffer.alloc(16) });

/** What each record resolved to: [user, Id, member pids]. */
const resolved = (procs: Proc[], records: UtmpRecord[]) => resolveSessions(records, machine(procs)).map((s) => [s.record.user, s.id, s.members?.map((m) => m.pid) ?? null]);

/**
 * Process 1000 (a session of its own, no terminal) and `depth` generations below it, the last of
 * which leads a session on `tty` (pts/0 unless given).
 */
function chain(depth: number, tty = PTS0): { procs: Proc[]; leader: number } {
  const procs: Proc[] = [{ pid: 1000, ppid: 1, session: 1000 }];
  for (let i = 1; i < depth; i++) procs.push({ pid: 1000 + i, ppid: 1000 + i - 1, session: 1000 });
  const leader = 1000 + depth;
  procs.push({ pid: leader, ppid: leader - 1, session: leader, tty });
  return { procs, leader };
}

describe('resolveSessions, at its edges', () => {
  it("a record on a terminal is its leader's session when the recorded process is up to 63 levels above that leader (64 processes looked at), not 64", () => {
    const near = chain(63);
    expect(resolved(near.procs, [rec(1000, 'pts/0')])).toEqual([['ann', near.leader, [near.leader]]]);
    expect(resolved(chain(64).procs, [rec(1000, 'pts/0')])).toEqual([]);
  });

  it('a record whose terminal is gone is no session when its process owns a terminal up to 64 levels below, and its own session beyond', () => {
    // pts/9 names no terminal: the record outlived its terminal, and its process is a terminal's ancestor.
    expect(resolved(chain(64).procs, [rec(1000, 'pts/9')])).toEqual([]);
    const far = chain(65);
    expect(resolved(far.procs, [rec(1000, 'pts/9')])).toEqual([['ann', 1000, far.procs.filter((p) => p.session === 1000).map((p) => p.pid)]]);
  });

  it("the recorded process's chain broken by a process /proc does not show: no descent, no session", () => {
    const procs: Proc[] = [
      { pid: 500, ppid: 1, session: 500 },
      { pid: 510, ppid: 505, session: 510, tty: PTS0 }, // 505 is not shown
    ];
    expect(resolved(procs, [rec(500, 'pts/0')])).toEqual([]);
  });

  it('only session leaders lead or own terminals: a job on the terminal, and a daemon without one, change nothing', () => {
    const procs: Proc[] = [
      { pid: 600, ppid: 1, session: 600, tty: PTS0 }, // the shell leading pts/0
      { pid: 601, ppid: 600, session: 600, tty: PTS0 }, // a job on it, listed after it
      { pid: 700, ppid: 1, session: 700 }, // a login whose terminal is gone
      { pid: 701, ppid: 700, session: 701 }, // a daemon it started: a session without a terminal
    ];
    expect(resolved(procs, [rec(600, 'pts/0', 'ann'), rec(700, 'pts/9', 'bob')])).toEqual([
      ['ann', 600, [600, 601]],
      ['bob', 700, [700]],
    ]);
  });

  it("a record whose terminal is gone is no session when its process is a terminal leader's grandparent (sshd's monitor)", () => {
    const procs: Proc[] = [
      { pid: 800, ppid: 1, session: 800 }, // sshd: ann [priv]
      { pid: 801, ppid: 800, session: 800 }, // sshd: ann@pts/0
      { pid: 802, ppid: 801, session: 802, tty: PTS0 }, // -bash
    ];
    expect(resolved(procs, [rec(800, 'pts/9')])).toEqual([]);
  });

  it('two records of one session logged on at the same moment are one row: the later in the file', () => {
    const procs: Proc[] = [{ pid: 900, ppid: 1, session: 900, tty: PTS0 }];
    expect(resolved(procs, [rec(900, 'pts/0', 'ann'), rec(900, 'pts/0', 'bob')])).toEqual([['bob', 900, [900]]]);
  });

  it("an X display's record is its process's session, though that process is an ancestor of terminals' leaders", () => {
    const procs: Proc[] = [
      { pid: 400, ppid: 1, session: 400 }, // the X session
      { pid: 401, ppid: 400, session: 400 }, // xterm
      { pid: 402, ppid: 401, session: 402, tty: PTS0 }, // the shell in it
    ];
    expect(resolved(procs, [rec(400, ':0')])).toEqual([['ann', 400, [400, 401]]]);
  });
});
