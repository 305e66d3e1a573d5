/**
 * Is the process a utmp record names still that session's leader? utmp is not cleaned up when a
 * login process dies without writing DEAD_PROCESS (a crash, a kill -9), and pids are reused, so a
 * record's ut_pid may be gone, a zombie, or an unrelated newer process.
 *
 * The guard against reuse: a session's leader exists before its login is recorded (login(1),
 * sshd's monitor child and terminal emulators all write the record after forking it), so a process
 * that started after the record's login time, beyond a small tolerance, is not the leader.
 * The tolerance covers the boot time (proc.ts) and ut_tv being read from the wall clock at
 * different moments, and a clock that was stepped in between.
 */
import { bootTimeMs, isExitedState, processExists, processStartMs, readProcStat } from './proc.ts';

export const LEADER_START_TOLERANCE_MS = 2_000;

export type LeaderCheck =
  | { status: 'gone' }
  | { status: 'replaced' }
  /** startTicks is null when /proc hides the process (hidepid); then only existence is known. */
  | { status: 'live'; startTicks: number | null };

/**
 * Checks the leader of a record logged on at `loginMs` (null when the record has no time, which
 * disables the reuse guard). `bootMs` is the boot time (proc.ts bootTimeMs), read once per batch.
 */
export function checkLeader(pid: number, loginMs: number | null, bootMs: number = bootTimeMs()): LeaderCheck {
  const stat = readProcStat(pid);
  if (stat === null) return processExists(pid) ? { status: 'live', startTicks: null } : { status: 'gone' };
  if (isExitedState(stat.state)) return { status: 'gone' };
  if (loginMs !== null && processStartMs(stat.startTicks, bootMs) > loginMs + LEADER_START_TOLERANCE_MS) {
    return { status: 'replaced' };
  }
  return { status: 'live', startTicks: stat.startTicks };
}

/**
 * Has the leader found by checkLeader() ended? True when the pid is gone, a zombie, or now
 * another process (its start time changed). Used while waiting and before each further signal.
 */
export function leaderEnded(pid: number, startTicks: number | null): boolean {
  const stat = readProcStat(pid);
  if (stat === null) return !processExists(pid);
  if (isExitedState(stat.state)) return true;
  return startTicks !== null && stat.startTicks !== startTicks;
}
