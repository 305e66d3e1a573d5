/**
 * The session PowerShell runs in, on Linux: the helper's parent process is that PowerShell. Its
 * controlling terminal (tty_nr of /proc/<pid>/stat, the device number as the kernel encodes it,
 * which is what stat(2) gives as st_rdev) names the session whose line is that terminal; without a
 * terminal (cron, systemd), the session whose Id is its kernel session id (the Id of a session is
 * its leader's pid, docs/linux-sessions.md), and usually none.
 */
import { readFileSync, statSync } from 'node:fs';
import type { UserSession } from '../../protocol/session.ts';
import { isTerminalDevice, linePath } from './terminal-device.ts';

/** tty_nr and session of a process, from /proc/<pid>/stat; null when it cannot be read. */
export function terminalAndSession(pid: number): { ttyNr: number; sid: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // After "pid (comm) ": state ppid pgrp session tty_nr ...; comm may hold spaces and parentheses.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const sid = Number(f[3]);
  const ttyNr = Number(f[4]);
  return Number.isInteger(sid) && Number.isInteger(ttyNr) ? { ttyNr, sid } : null;
}

/** The device number of a session's terminal under devDir; null when its line names none there. */
function lineDevice(devDir: string, line: string | null): number | null {
  const path = line === null ? null : linePath(devDir, line);
  if (path === null) return null;
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && isTerminalDevice(st) ? st.rdev : null;
  } catch {
    return null;
  }
}

/** The test for the session of process `pid` (default: the helper's parent, PowerShell). */
export function currentSessionOf(devDir: string, pid: number = process.ppid): (s: UserSession) => boolean {
  const own = terminalAndSession(pid);
  if (own === null) return () => false;
  if (own.ttyNr !== 0) return (s) => lineDevice(devDir, s.SessionName) === own.ttyNr;
  return (s) => s.SessionId === own.sid;
}
