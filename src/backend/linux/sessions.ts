/**
 * The sessions on this computer, from the utmp file: its live USER_PROCESS records mapped to
 * UserSession, each kept with what logoff needs to recognise its leader again.
 */
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { UserSession } from '../../protocol/session.ts';
import { formatUtmpAddress } from './address.ts';
import { checkLeader } from './leader.ts';
import { bootTimeMs } from './proc.ts';
import { UT_TYPE } from './utmp-layout.ts';
import { readUtmpFile, type UtmpRecord } from './utmp-read.ts';

export interface SessionSource {
  /** The utmp file. */
  utmpPath: string;
  /** Where ut_line names its terminal: /dev, except in tests. */
  devDir: string;
}

export interface LinuxSession {
  session: UserSession;
  /** The leader's /proc starttime when the session was listed; null when /proc hides it. */
  startTicks: number | null;
}

/** ut_tv as epoch milliseconds; null when the record has no time (ut_tv all zero). */
export function loginMs(r: UtmpRecord): number | null {
  if (r.tvSec === 0 && r.tvUsec === 0) return null;
  return r.tvSec * 1000 + Math.floor(r.tvUsec / 1000);
}

/**
 * Idle time as `w` computes it: now minus the terminal's last access time (the tty's atime is
 * updated by input). Null when ut_line names no device we can stat (an X display ":0", a line
 * that would lead out of the device directory, a terminal that is gone).
 */
function lastInputMs(devDir: string, line: string): number | null {
  if (line === '') return null;
  const path = join(devDir, line);
  const rel = relative(devDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  try {
    // Synchronous: one local stat per session is cheaper than a thread-pool round trip each. A
    // terminal that is gone is no exception (throwing one per session costs more than the stat).
    return statSync(path, { throwIfNoEntry: false })?.atimeMs ?? null;
  } catch {
    return null;
  }
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

/** The session of a record whose leader was found live (leader.ts), as of `now`. */
export function describeRecord(src: SessionSource, r: UtmpRecord, startTicks: number | null, computer: string, now: number): LinuxSession {
  const login = loginMs(r);
  const lastInput = lastInputMs(src.devDir, r.line);
  return {
    startTicks,
    session: {
      ComputerName: computer,
      SessionId: r.pid,
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
    },
  };
}

/**
 * The live sessions, in utmp order: the records of readUserRecords() whose leader is still there
 * (not gone, not a zombie, not replaced by a newer process with the same pid).
 */
export async function readSessions(src: SessionSource): Promise<LinuxSession[]> {
  const records = await readUserRecords(src);
  if (records.length === 0) return [];
  const bootMs = bootTimeMs();
  const computer = hostname();
  const now = Date.now();
  const found: LinuxSession[] = [];
  for (const r of records) {
    const leader = checkLeader(r.pid, loginMs(r), bootMs);
    if (leader.status === 'live') found.push(describeRecord(src, r, leader.startTicks, computer, now));
  }
  return found;
}
