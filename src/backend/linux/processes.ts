/**
 * The processes of Linux sessions (sessions.processes), from /proc: a session's processes are the
 * members identity.ts resolved it to (docs/linux-sessions.md: the processes of its kernel session,
 * or the recorded process alone), the very processes Stop-UserSession ends, so what is listed is
 * what a log-off would end. Under hidepid a session whose recorded process is hidden has no known
 * members, and lists none.
 */
import { readFileSync } from 'node:fs';
import type { TargetError } from '../../protocol/errors.ts';
import type { SessionProcess } from '../../protocol/process.ts';
import type { SessionTarget } from '../../protocol/session.ts';
import { isLocalComputer, reportedComputerName } from '../local-computer.ts';
import { bootTimeMs, processStartMs } from './proc.ts';
import type { ResolvedSession } from './identity.ts';
import { readSessions, type SessionSource } from './sessions.ts';
import { failedTo, remoteNotSupported, sessionNotFound } from './target-errors.ts';

/** What /proc/<pid>/status says of one process (proc(5)). */
interface ProcStatus {
  /** Name: the command name, at most 15 bytes, escaped as ps shows it. */
  name: string;
  /** The first (real) uid of Uid:. */
  uid: number;
  /** VmRSS in bytes; 0 for kernel threads, which have none. */
  rss: number;
}

/** null when the process is gone meanwhile, or hidden. */
function readStatus(pid: number): ProcStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (key: string): string | undefined => {
    const at = text.indexOf(`\n${key}:`);
    return at === -1 ? undefined : text.slice(at + key.length + 2, text.indexOf('\n', at + 1)).trim();
  };
  const name = text.startsWith('Name:') ? text.slice(5, text.indexOf('\n')).trim() : '';
  const uid = Number(field('Uid')?.split(/\s+/)[0]);
  const rssKb = Number(field('VmRSS')?.split(/\s+/)[0] ?? 0);
  if (![uid, rssKb].every(Number.isSafeInteger)) return null;
  return { name, uid, rss: rssKb * 1024 };
}

/** uid to user name from /etc/passwd (a user only a directory service knows has no name here). */
function passwdNames(): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid !== undefined && !names.has(Number(uid))) names.set(Number(uid), name);
    }
  } catch {
    // no /etc/passwd: every UserName is null
  }
  return names;
}

/** The processes of each target session, in target order; a session not listed is its SessionNotFound error. */
export async function listSessionProcesses(source: SessionSource, targets: readonly SessionTarget[]): Promise<{ Items: SessionProcess[]; Errors: TargetError[] }> {
  const Items: SessionProcess[] = [];
  const Errors: TargetError[] = [];
  if (!targets.some((t) => isLocalComputer(t.ComputerName))) return { Items, Errors: targets.map(remoteNotSupported) };
  let sessions: Map<number, ResolvedSession>;
  try {
    sessions = new Map((await readSessions(source)).map((s) => [s.session.SessionId, s.resolved]));
  } catch (e) {
    // The utmp file missing or unreadable: each local target's error (as log-off and message answer), not the whole call's.
    return { Items, Errors: targets.map((t) => (isLocalComputer(t.ComputerName) ? failedTo('list the processes of', t, e) : remoteNotSupported(t))) };
  }
  const names = passwdNames();
  const bootMs = bootTimeMs();
  for (const t of targets) {
    if (!isLocalComputer(t.ComputerName)) {
      Errors.push(remoteNotSupported(t));
      continue;
    }
    const resolved = sessions.get(t.SessionId);
    if (resolved === undefined) {
      Errors.push(sessionNotFound(t));
      continue;
    }
    const computerName = reportedComputerName(t.ComputerName);
    for (const member of [...(resolved.members ?? [])].sort((a, b) => a.pid - b.pid)) {
      const status = readStatus(member.pid);
      if (status === null) continue; // ended since the look at /proc
      Items.push({
        ComputerName: computerName,
        SessionId: t.SessionId,
        UserName: names.get(status.uid) ?? null,
        Id: member.pid,
        Name: status.name,
        StartTime: new Date(processStartMs(member.startTicks, bootMs)).toISOString(),
        WorkingSet: status.rss,
      });
    }
  }
  return { Items, Errors };
}
