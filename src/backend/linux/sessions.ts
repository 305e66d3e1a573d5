/**
 * The sessions on this computer: the live USER_PROCESS records of the utmp file, each resolved to
 * the kernel session it stands for (identity.ts, docs/linux-sessions.md) and mapped to UserSession.
 */
import { statSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import type { UserSession } from '../../protocol/session.ts';
import { formatUtmpAddress } from './address.ts';
import { resolveSessions, type MachineView, type ResolvedSession } from './identity.ts';
import { LEADER_START_TOLERANCE_MS } from './leader.ts';
import { bootTimeMs, processExists, processStartMs, readProcessTable, readProcStat, type ProcStat } from './proc.ts';
import { isTerminalDevice, linePath } from './terminal-device.ts';
import { UT_TYPE } from './utmp-layout.ts';
import { readUtmpFile, type UtmpRecord } from './utmp-read.ts';

export interface SessionSource {
  /** The utmp file. */
  utmpPath: string;
  /** Where ut_line names its terminal: /dev, except in tests. */
  devDir: string;
}

export interface LinuxSession {
  readonly session: UserSession;
  /** The kernel session it stands for, and its processes. */
  resolved: ResolvedSession;
}

/** ut_tv as epoch milliseconds; null when the record has no time (ut_tv all zero). */
export function loginMs(r: UtmpRecord): number | null {
  if (r.tvSec === 0 && r.tvUsec === 0) return null;
  return r.tvSec * 1000 + Math.floor(r.tvUsec / 1000);
}

/**
 * The device file ut_line names under devDir; null when there is no line, it would lead out of the
 * device directory, or nothing is there. Synchronous: one local stat per record is cheaper than a
 * thread-pool round trip each, and a line that is gone is no exception (one per record costs more).
 */
function lineStat(devDir: string, line: string): Stats | null {
  const path = linePath(devDir, line);
  if (path === null) return null;
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/**
 * The machine as /proc shows it now, for identity.ts: one pass over /proc, the boot time once,
 * and each line's device file once (the same stat gives Idle, see describeRecord).
 */
function machineView(devDir: string, lines: Map<string, Stats | null>, processes: ReadonlyMap<number, ProcStat>): MachineView {
  const bootMs = bootTimeMs();
  const stat = (line: string): Stats | null => {
    if (!lines.has(line)) lines.set(line, lineStat(devDir, line));
    return lines.get(line)!;
  };
  return {
    processes,
    terminal: (line) => {
      const st = stat(line);
      return st !== null && isTerminalDevice(st) ? st.rdev : null;
    },
    hidden: (pid) => readProcStat(pid) === null && processExists(pid),
    startedAfter: (ticks, login) => processStartMs(ticks, bootMs) > login + LEADER_START_TOLERANCE_MS,
    loginMs,
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The records that can be sessions, in utmp order. Skipped: records that are not USER_PROCESS
 * (LOGIN_PROCESS is a getty waiting for a login, DEAD_PROCESS a finished one) and records with
 * pid <= 1 (never a session leader; pid 0 or below would address process groups when signalled).
 */
export async function readUserRecords(src: SessionSource): Promise<UtmpRecord[]> {
  return (await readUtmpFile(src.utmpPath)).filter((r) => r.type === UT_TYPE.USER_PROCESS && r.pid > 1);
}

/**
 * The session of a resolved record, as of `now`. Idle is `w`'s: now minus the last access time of
 * the terminal (input updates a tty's atime); null when the line names no device (an X display
 * ":0", a terminal that is gone).
 */
export function describeSession(resolved: ResolvedSession, lineStat: Stats | null, computer: string, now: number): UserSession {
  const r = resolved.record;
  const login = loginMs(r);
  const lastInput = lineStat?.atimeMs ?? null;
  return {
    ComputerName: computer,
    SessionId: resolved.id,
    SessionName: r.line === '' ? null : r.line,
    UserName: r.user,
    Domain: null,
    State: 'Active',
    Idle: lastInput === null ? null : Math.max(0, Math.round(now - lastInput)),
    LogonTime: iso(login),
    LastInputTime: iso(lastInput === null ? null : Math.round(lastInput)),
    // A terminal login is connected for as long as it lives, and never disconnected.
    ConnectTime: iso(login),
    DisconnectTime: null,
    ClientName: r.host === '' ? null : r.host,
    ClientAddress: formatUtmpAddress(r.addrV6),
    IsLocked: null,
    Protocol: null,
  };
}

/**
 * The live sessions, in utmp order, each once (identity.ts), from one look at utmp and /proc.
 * `pass` makes the pass over /proc (a logoff's holds what it may end: held.ts); it is not made when
 * utmp records no login.
 */
export async function readSessions(src: SessionSource, pass: () => ReadonlyMap<number, ProcStat> = readProcessTable): Promise<LinuxSession[]> {
  const records = await readUserRecords(src);
  if (records.length === 0) return [];
  const lines = new Map<string, Stats | null>();
  const resolved = resolveSessions(records, machineView(src.devDir, lines, pass()));
  const computer = hostname();
  const now = Date.now();
  // Described when first asked for: a logoff describes only its targets.
  return resolved.map((r) => {
    let session: UserSession | undefined;
    return {
      resolved: r,
      get session(): UserSession {
        return (session ??= describeSession(r, lines.has(r.record.line) ? lines.get(r.record.line)! : lineStat(src.devDir, r.record.line), computer, now));
      },
    };
  });
}
