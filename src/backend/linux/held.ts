/**
 * The one pass over /proc a logoff makes (proc.ts readProcessTable, the table identity.ts resolves
 * the sessions from), holding the processes it may end: each process is opened as a pidfd
 * (pidfd.ts) BEFORE its stat is read, and the pidfd is kept when the stat shows that it may belong
 * to a target (its session id, or its own pid, is a target's Id), closed at once otherwise.
 *
 * The stat read after the pidfd was opened describes the process the pidfd holds: a pid stays
 * that process's until it has exited and been reaped. Should it exit and its pid go to a newcomer
 * between the open and the read (within microseconds), every signal through the pidfd answers
 * that the held process has ended, and the newcomer is never signalled. So a process is read
 * once, and never again before it is signalled.
 *
 * Without pidfds (an older kernel), or when none is left (EMFILE), nothing is held: the logoff
 * checks each process again right before its first signal (session-end.ts bindSession).
 */
import { pidfds } from './pidfd.ts';
import { readProcessTable, type PassVisitor, type ProcStat } from './proc.ts';

export interface HeldPass {
  /** The table of the pass, as readProcessTable() gives it. */
  readonly processes: Map<number, ProcStat>;
  /** Takes the pidfd held for `pid` (the caller closes it from then on); null when none is held. */
  take(pid: number): number | null;
  /** Closes every pidfd not taken. */
  release(): void;
}

export function readHeldPass(ids: ReadonlySet<number>): HeldPass {
  const fds = pidfds();
  const held = new Map<number, number>();
  const closeAll = (): void => {
    for (const fd of held.values()) fds?.close(fd);
    held.clear();
  };
  let open: number | null = null;
  const hold: PassVisitor | undefined =
    fds === null
      ? undefined
      : {
          before(pid) {
            try {
              open = fds.open(pid);
            } catch {
              open = null; // no descriptor left: this process is checked again before its signal
            }
          },
          after(pid, stat) {
            if (open === null) return;
            if (stat !== null && (ids.has(stat.session) || ids.has(pid))) held.set(pid, open);
            else fds.close(open);
            open = null;
          },
        };
  let processes: Map<number, ProcStat>;
  try {
    processes = readProcessTable(hold);
  } catch (err) {
    if (open !== null) fds?.close(open);
    closeAll();
    throw err;
  }
  return {
    processes,
    take(pid) {
      const fd = held.get(pid);
      if (fd === undefined) return null;
      held.delete(pid);
      return fd;
    },
    release: closeAll,
  };
}
