/**
 * A live process as the log-off code's tests need it: is it there, and its start time (the
 * escalation's guard against a reused pid). The backend itself finds leaders in its pass over
 * /proc (held.ts); this is the same reading of /proc/<pid>/stat for one pid.
 */
import { LEADER_START_TOLERANCE_MS } from '../../src/backend/linux/leader.ts';
import { bootTimeMs, isExitedState, processExists, processStartMs, readProcStat } from '../../src/backend/linux/proc.ts';

export type LeaderCheck =
  | { status: 'gone' }
  | { status: 'replaced' }
  /** startTicks is null when /proc hides the process (hidepid); then only existence is known. */
  | { status: 'live'; startTicks: number | null };

/** The leader of a record logged on at `loginMs` (null: no reuse guard), as of now. */
export function checkLeader(pid: number, loginMs: number | null, bootMs: number = bootTimeMs()): LeaderCheck {
  const stat = readProcStat(pid);
  if (stat === null) return processExists(pid) ? { status: 'live', startTicks: null } : { status: 'gone' };
  if (isExitedState(stat.state)) return { status: 'gone' };
  if (loginMs !== null && processStartMs(stat.startTicks, bootMs) > loginMs + LEADER_START_TOLERANCE_MS) {
    return { status: 'replaced' };
  }
  return { status: 'live', startTicks: stat.startTicks };
}
