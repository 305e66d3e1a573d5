/**
 * The pass over /proc a logoff makes (the table identity.ts resolves the sessions from), holding
 * the processes it may end: each process is opened as a pidfd (pidfd.ts) BEFORE its stat is
 * read, so that the stat describes the process the pidfd holds: a pid stays that process's until
 * it has exited and been reaped. Should it exit and its pid go to a newcomer between the open and
 * the read (within microseconds), every signal through the pidfd answers that the held process
 * has ended, and the newcomer is never signalled. So a process is read once, and never again
 * before it is signalled.
 *
 * The pidfds of every process read are kept for a moment (KEEP_MS after the last pass), and the
 * next pass reads only what may have changed: one poll() over the kept pidfds says which of those
 * processes have exited (pidfd_open(2): readable once it has); one that has not is the very
 * process read before, so its session, start time and terminal are as read (a process can leave
 * its session with setsid(2), never join another: a session grows only by fork), and it is not
 * read again. Every other entry of /proc (a process started since, or a pid whose process has
 * exited and may be someone else's now) is opened and read as the first pass did. So each pass
 * sees every process as it is then, exactly as a full pass would, and costs a full pass once:
 * Stop-UserSession's batches (logoff-runs.ts) each get a pass, at a fraction of its cost.
 *
 * A process given to a logoff (take) leaves the kept set: its pidfd is the logoff's from then on.
 * At most a quarter of this process's descriptor limit is kept (keepAtMost); beyond it, only the
 * pidfds of processes that may be the request's are kept, and the others are read on every pass.
 *
 * Without pidfds (an older kernel), nothing is held or kept: each pass reads every process, and
 * the logoff checks each process again right before its first signal (session-end.ts
 * bindSession); a process whose pidfd could not be opened (EMFILE) is read on every pass and
 * checked again the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pidfds, type Pidfds } from './pidfd.ts';
import { isExitedState, readProcessTable, readProcStat, type ProcStat } from './proc.ts';

export interface HeldPass {
  /** The table of the pass, as readProcessTable() gives it. */
  readonly processes: Map<number, ProcStat>;
  /** Takes the pidfd held for `pid` (the caller closes it from then on); null when none is held. */
  take(pid: number): number | null;
  /** Ends this pass's use of what it holds (the pidfds not taken stay kept for the next pass, KEEP_MS). */
  release(): void;
}

/** How long the pidfds of a pass are kept for the next one. */
export const KEEP_MS = 500;

let keepLimit: number | undefined;

/** A quarter of RLIMIT_NOFILE's soft limit (/proc/self/limits, proc(5)): the rest stays for everything else the helper opens. */
function keepAtMost(): number {
  if (keepLimit === undefined) {
    const soft = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1]);
    keepLimit = Number.isSafeInteger(soft) && soft > 0 ? Math.floor(soft / 4) : 256;
  }
  return keepLimit;
}

interface Entry {
  stat: ProcStat;
  /** Its pidfd, kept; null when none could be opened, or a logoff took it. */
  fd: number | null;
}

let kept = new Map<number, Entry>();
let expiry: NodeJS.Timeout | undefined;

function closeKept(fds: Pidfds): void {
  for (const e of kept.values()) {
    if (e.fd !== null) fds.close(e.fd);
    e.fd = null; // never taken after this
  }
  kept = new Map();
}

/** Closes every kept pidfd now (the next pass reads every process again). */
export function dropKept(): void {
  clearTimeout(expiry);
  expiry = undefined;
  const fds = pidfds();
  if (fds !== null) closeKept(fds);
}

/** A pidfd of `pid`: null when it is gone or no descriptor is left (EMFILE: then it is read on each pass). */
function openQuietly(fds: Pidfds, pid: number): number | null {
  try {
    return fds.open(pid);
  } catch {
    return null;
  }
}

/**
 * The next pass: the kept processes that are still there as they were, every other entry of /proc
 * read; a pidfd is kept while fewer than keepAtMost() are, and always for what may be a target's.
 */
function nextPass(fds: Pidfds, ids: ReadonlySet<number>): Map<number, Entry> {
  const held: number[] = [];
  for (const e of kept.values()) if (e.fd !== null) held.push(e.fd);
  const exited = fds.exited(held);
  const next = new Map<number, Entry>();
  let room = keepAtMost() - (held.length - exited.size);
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    const known = kept.get(pid);
    if (known !== undefined && known.fd !== null && !exited.has(known.fd)) {
      next.set(pid, known);
      kept.delete(pid);
      continue;
    }
    let fd = openQuietly(fds, pid);
    const stat = readProcStat(pid);
    if (stat === null || isExitedState(stat.state)) {
      if (fd !== null) fds.close(fd);
      continue;
    }
    if (fd !== null && !ids.has(stat.session) && !ids.has(pid) && --room < 0) {
      fds.close(fd);
      fd = null;
    }
    next.set(pid, { stat, fd });
  }
  closeKept(fds); // what is left: exited, or gone from /proc
  return next;
}

export function readHeldPass(ids: ReadonlySet<number>): HeldPass {
  const fds = pidfds();
  if (fds === null) return { processes: readProcessTable(), take: () => null, release: () => {} };
  clearTimeout(expiry);
  let entries: Map<number, Entry>;
  try {
    entries = nextPass(fds, ids);
  } catch (err) {
    closeKept(fds);
    throw err;
  }
  kept = entries;
  const processes = new Map<number, ProcStat>();
  for (const [pid, e] of entries) processes.set(pid, e.stat);
  return {
    processes,
    take(pid) {
      const e = entries.get(pid);
      if (e === undefined || e.fd === null || !(ids.has(e.stat.session) || ids.has(pid))) return null;
      const fd = e.fd;
      e.fd = null;
      return fd;
    },
    release() {
      clearTimeout(expiry);
      expiry = setTimeout(dropKept, KEEP_MS);
      expiry.unref();
    },
  };
}
