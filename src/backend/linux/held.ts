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
 * process read before, and is not read again unless what identity.ts uses of it may have changed
 * (unchanged(): its parent exited, or it leads a session with a terminal). Every other entry of
 * /proc (a process started since, or a pid whose process has exited and may be someone else's
 * now) is opened and read as the first pass did. So a process started in a target's session since
 * the pass before is found and held, and each process is signalled only as the member of the
 * session its session id says it is now; the pass costs a full one only once, and Stop-UserSession's
 * batches (logoff-runs.ts) each get one at a fraction of that.
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
  /** null: a zombie (exited, not yet reaped): it keeps its pid, and is no process of any session. */
  stat: ProcStat | null;
  /** Its pidfd, kept; null when none could be opened, or a logoff took it. */
  fd: number | null;
}

let kept = new Map<number, Entry>();
let expiry: NodeJS.Timeout | undefined;

function closeEntry(fds: Pidfds, e: Entry): void {
  if (e.fd !== null) fds.close(e.fd);
  e.fd = null; // never taken after this
}

function closeKept(fds: Pidfds): void {
  for (const e of kept.values()) closeEntry(fds, e);
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
 * The next pass: each kept process that is still there (its pidfd not readable) and cannot have
 * changed is carried over unread; every other entry of /proc is read, a new one after its pidfd
 * was opened. A pidfd is kept while fewer than keepAtMost() are, and always for what may be a
 * target's.
 */
function nextPass(fds: Pidfds, ids: ReadonlySet<number>): Map<number, Entry> {
  const held: number[] = [];
  for (const e of kept.values()) if (e.fd !== null) held.push(e.fd);
  const exited = fds.exited(held);
  const alive = (e: Entry | undefined): e is Entry => e !== undefined && e.fd !== null && !exited.has(e.fd);
  const next = new Map<number, Entry>();
  let room = keepAtMost() - (held.length - exited.size);
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    const known = kept.get(pid);
    const still = alive(known) ? known : undefined;
    if (still?.stat && unchanged(still.stat, pid, (ppid) => alive(kept.get(ppid)))) {
      next.set(pid, still);
      continue;
    }
    // Exited, and not yet reaped (a signal through its pidfd still finds it): the pid is still
    // that zombie's, so there is nothing to read.
    if (known !== undefined && still === undefined && known.fd !== null && fds.signal(known.fd, 0) !== 'ended') {
      known.stat = null;
      next.set(pid, known);
      continue;
    }
    let fd = still !== undefined ? still.fd : openQuietly(fds, pid);
    const stat = readProcStat(pid);
    if (stat === null || isExitedState(stat.state)) {
      if (still === undefined && fd !== null && stat !== null && --room >= 0) next.set(pid, { stat: null, fd });
      else if (still === undefined && fd !== null) fds.close(fd);
      continue;
    }
    if (still !== undefined) {
      still.stat = stat;
      next.set(pid, still);
      continue;
    }
    if (fd !== null && !ids.has(stat.session) && !ids.has(pid) && --room < 0) {
      fds.close(fd);
      fd = null;
    }
    next.set(pid, { stat, fd });
  }
  // What is not carried over: exited, or gone from /proc.
  for (const [pid, e] of kept) if (next.get(pid) !== e) closeEntry(fds, e);
  kept = new Map();
  return next;
}

/**
 * Whether a live process read before is as it was read, for what identity.ts uses. Its session
 * (it can leave it with setsid(2), never join another: a session grows only by fork) and start
 * time are. Its parent is while that parent is alive (a process is given another parent only when
 * its own exits): otherwise it is read again. A session leader with a terminal is read again: its
 * terminal can be hung up or given away while it lives (tty_ioctl(4) TIOCNOTTY, vhangup(2)). Not
 * seen: a leader without one that takes one later (TIOCSCTTY), which login programs do in the new
 * process before anything else; until the next full pass such a record is not found
 * (SessionNotFound), and nothing is signalled for it.
 */
function unchanged(stat: ProcStat, pid: number, parentAlive: (ppid: number) => boolean): boolean {
  if (stat.session === pid && stat.ttyNr !== 0) return false;
  return stat.ppid <= 1 || parentAlive(stat.ppid);
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
  for (const [pid, e] of entries) if (e.stat !== null) processes.set(pid, e.stat);
  return {
    processes,
    take(pid) {
      const e = entries.get(pid);
      if (e?.stat == null || e.fd === null || !(ids.has(e.stat.session) || ids.has(pid))) return null;
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
