/**
 * The processes of Linux sessions (sessions.processes), from /proc, as ps reads them: a session's
 * processes are the process its Id names (the session's leader), every process descended from it,
 * and every process of the kernel session it leads (proc(5): /proc/<pid>/status NSsid, which keeps
 * a process that was re-parented to init when its parent ended). Under hidepid, other users'
 * processes are not in /proc and so not listed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { TargetError } from '../../protocol/errors.ts';
import type { SessionProcess } from '../../protocol/process.ts';
import type { SessionTarget } from '../../protocol/session.ts';
import { isLocalComputer, reportedComputerName } from '../local-computer.ts';
import { bootTimeMs, processStartMs, readProcStat } from './proc.ts';
import { readSessions, type SessionSource } from './sessions.ts';
import { remoteNotSupported, sessionNotFound } from './target-errors.ts';

/** What /proc/<pid>/status says of one process (proc(5)). */
interface ProcStatus {
  pid: number;
  /** Name: the command name, at most 15 bytes, escaped as ps shows it. */
  name: string;
  ppid: number;
  /** NSsid: its session id (in its own pid namespace, which is ours for what we can see). */
  sid: number;
  /** The first (real) uid of Uid:. */
  uid: number;
  /** VmRSS in bytes; 0 for kernel threads, which have none. */
  rss: number;
}

function readStatus(pid: number): ProcStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null; // gone meanwhile, or hidden
  }
  const field = (key: string): string | undefined => {
    const at = text.indexOf(`\n${key}:`);
    return at === -1 ? undefined : text.slice(at + key.length + 2, text.indexOf('\n', at + 1)).trim();
  };
  const name = text.startsWith('Name:') ? text.slice(5, text.indexOf('\n')).trim() : '';
  const ppid = Number(field('PPid'));
  const sid = Number(field('NSsid')?.split(/\s+/).pop());
  const uid = Number(field('Uid')?.split(/\s+/)[0]);
  const rssKb = Number(field('VmRSS')?.split(/\s+/)[0] ?? 0);
  if (![ppid, uid, rssKb].every(Number.isSafeInteger)) return null;
  return { pid, name, ppid, sid: Number.isSafeInteger(sid) ? sid : -1, uid, rss: rssKb * 1024 };
}

/** Every process /proc shows this caller. */
function readAll(): ProcStatus[] {
  const out: ProcStatus[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    const status = readStatus(pid);
    if (status !== null) out.push(status);
  }
  return out;
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

/** The pids of the session led by `leader`: it, its descendants, and the members of its kernel session. */
function membersOf(leader: number, all: readonly ProcStatus[], children: Map<number, number[]>): Set<number> {
  const members = new Set<number>();
  if (!all.some((p) => p.pid === leader)) return members;
  const queue = [leader];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (members.has(pid)) continue;
    members.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  for (const p of all) if (p.sid === leader) members.add(p.pid);
  return members;
}

/** The processes of each target session, in target order; a session not listed is its SessionNotFound error. */
export async function listSessionProcesses(source: SessionSource, targets: readonly SessionTarget[]): Promise<{ Items: SessionProcess[]; Errors: TargetError[] }> {
  const Items: SessionProcess[] = [];
  const Errors: TargetError[] = [];
  const local = targets.filter((t) => isLocalComputer(t.ComputerName));
  for (const t of targets) if (!isLocalComputer(t.ComputerName)) Errors.push(remoteNotSupported(t));
  if (local.length === 0) return { Items, Errors };
  const sessions = new Map((await readSessions(source)).map((s) => [s.session.SessionId, s.session]));
  const all = readAll();
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const names = passwdNames();
  const bootMs = bootTimeMs();
  for (const t of local) {
    const session = sessions.get(t.SessionId);
    if (session === undefined) {
      Errors.push(sessionNotFound(t));
      continue;
    }
    const computerName = reportedComputerName(t.ComputerName);
    for (const pid of [...membersOf(t.SessionId, all, children)].sort((a, b) => a - b)) {
      const p = byPid.get(pid) as ProcStatus;
      const stat = readProcStat(pid);
      if (stat === null) continue; // ended since the pass over /proc
      Items.push({
        ComputerName: computerName,
        SessionId: t.SessionId,
        UserName: names.get(p.uid) ?? null,
        Id: pid,
        Name: p.name,
        StartTime: new Date(processStartMs(stat.startTicks, bootMs)).toISOString(),
        WorkingSet: p.rss,
      });
    }
  }
  return { Items, Errors };
}
