/**
 * Which kernel session a utmp record stands for (docs/linux-sessions.md): the one place that
 * decides a Linux session's identity. Pure: it reads nothing itself; sessions.ts gives it the
 * records, one snapshot of /proc and the terminals' device numbers.
 *
 * - A record whose ut_line is a terminal: the session whose controlling terminal it is (the
 *   process with tty_nr = that device and session = its own pid is the leader), when the recorded
 *   process is in that session or is an ancestor of its leader: tmux records its server and sshd
 *   its privileged monitor, ancestors of the shell that leads the terminal's session; login(1)
 *   records the shell it started, in login's own session.
 * - A record whose terminal exists but is not controlled by such a session (not yet, no longer,
 *   or by someone else's): no session.
 * - A record whose terminal is gone, while the recorded process owns other terminals (an ancestor
 *   of their leaders: a tmux server): stale, the pane it was is gone; no session (ending the
 *   recorded process would end the other panes).
 * - Any other record (no ut_line, an X display ":0", a line that names no terminal): the recorded
 *   process, and when it leads a session of its own, that whole session.
 * - The recorded process must still be the one recorded (leader.ts: not gone, not a zombie, not
 *   started after the login). When /proc hides it (hidepid), nothing more can be known: the
 *   record's session is known by the recorded pid alone, with no members.
 *
 * The Id is the kernel session id (the leader's pid), or the recorded pid in the last two cases.
 * Two records that resolve to the same Id are one session: the later login is kept.
 */
import type { ProcStat } from './proc.ts';
import type { UtmpRecord } from './utmp-read.ts';

/** A process of a session, as /proc showed it. */
export interface Member {
  pid: number;
  startTicks: number;
}

export interface ResolvedSession {
  record: UtmpRecord;
  /** The session's Id: unique among the sessions resolved from one snapshot. */
  id: number;
  /** Its processes; null when /proc hides the recorded process (hidepid): only its pid is known. */
  members: Member[] | null;
  /** The recorded process's start ticks; null when /proc hides it. */
  startTicks: number | null;
}

/** What resolveSessions() needs to know about the machine, in one snapshot. */
export interface MachineView {
  /** Every live process /proc shows (proc.ts readProcessTable). */
  processes: ReadonlyMap<number, ProcStat>;
  /** The device number of ut_line's terminal; null when the line names no terminal device. */
  terminal(line: string): number | null;
  /** A process /proc does not show, yet alive (hidepid); asked only for pids not in `processes`. */
  hidden(pid: number): boolean;
  /** Was this process started after the login at `loginMs` (beyond the tolerance)? leader.ts. */
  startedAfter(startTicks: number, loginMs: number): boolean;
  /** ut_tv as epoch milliseconds, null when unset (sessions.ts loginMs). */
  loginMs(r: UtmpRecord): number | null;
}

/** How far up the parent chain the recorded process is looked for (a login's shell is 1 to 3 levels down). */
const MAX_DEPTH = 64;

function descendsFrom(processes: ReadonlyMap<number, ProcStat>, pid: number, ancestor: number): boolean {
  let at = pid;
  for (let depth = 0; depth < MAX_DEPTH && at > 1; depth++) {
    if (at === ancestor) return true;
    const stat = processes.get(at);
    if (stat === undefined) return false;
    at = stat.ppid;
  }
  return false;
}

interface Index {
  /** The processes of each session. */
  bySession: Map<number, Member[]>;
  /** The leader of each controlling terminal. */
  leaderOfTty: Map<number, number>;
  /** Every ancestor of a terminal's leader: the processes that own terminals (tmux, sshd, login, xterm). */
  terminalOwners: Set<number>;
}

function index(processes: ReadonlyMap<number, ProcStat>): Index {
  const bySession = new Map<number, Member[]>();
  const leaderOfTty = new Map<number, number>();
  for (const [pid, stat] of processes) {
    const list = bySession.get(stat.session);
    const member = { pid, startTicks: stat.startTicks };
    if (list === undefined) bySession.set(stat.session, [member]);
    else list.push(member);
    if (stat.ttyNr !== 0 && stat.session === pid) leaderOfTty.set(stat.ttyNr, pid);
  }
  const terminalOwners = new Set<number>();
  for (const leader of leaderOfTty.values()) {
    let at = processes.get(leader)?.ppid ?? 0;
    for (let depth = 0; depth < MAX_DEPTH && at > 1 && !terminalOwners.has(at); depth++) {
      terminalOwners.add(at);
      at = processes.get(at)?.ppid ?? 0;
    }
  }
  return { bySession, leaderOfTty, terminalOwners };
}

export function resolveSessions(records: readonly UtmpRecord[], view: MachineView): ResolvedSession[] {
  const idx = index(view.processes);
  const byId = new Map<number, ResolvedSession>();
  const order: number[] = [];
  for (const record of records) {
    const found = resolveOne(record, view, idx);
    if (found === null) continue;
    const before = byId.get(found.id);
    if (before === undefined) order.push(found.id);
    else if ((view.loginMs(before.record) ?? 0) > (view.loginMs(record) ?? 0)) continue;
    byId.set(found.id, found);
  }
  return order.map((id) => byId.get(id)!);
}

/** A line that names no terminal at all: none, or an X display (":0", "host:0"). */
const noTerminal = (line: string): boolean => line === '' || line.includes(':');

function resolveOne(record: UtmpRecord, view: MachineView, idx: Index): ResolvedSession | null {
  const recorded = view.processes.get(record.pid);
  if (recorded === undefined) {
    return view.hidden(record.pid) ? { record, id: record.pid, members: null, startTicks: null } : null;
  }
  const login = view.loginMs(record);
  if (login !== null && view.startedAfter(recorded.startTicks, login)) return null; // the pid was reused
  const startTicks = recorded.startTicks;
  const tty = noTerminal(record.line) ? null : view.terminal(record.line);
  const leader = tty === null ? undefined : idx.leaderOfTty.get(tty);
  if (leader !== undefined && (recorded.session === leader || descendsFrom(view.processes, leader, record.pid))) {
    return { record, id: leader, members: idx.bySession.get(leader) ?? [], startTicks };
  }
  // A terminal that no session of this record controls: its session has not started yet (tmux
  // writes the record before the pane's shell has taken the terminal) or is over (a dead pane kept
  // open), or the terminal is someone else's now. Taking the recorded process instead would end
  // the tmux server.
  if (tty !== null) return null;
  // The recorded process owns other terminals, not this one: the record outlived its terminal
  // (a tmux pane that is gone). Ending the recorded process would end those other sessions.
  if (!noTerminal(record.line) && idx.terminalOwners.has(record.pid)) return null;
  if (recorded.session === record.pid) return { record, id: record.pid, members: idx.bySession.get(record.pid) ?? [], startTicks };
  return { record, id: record.pid, members: [{ pid: record.pid, startTicks }], startTicks };
}
