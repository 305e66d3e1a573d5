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
import { isExitedState, processExists, readProcStat } from './proc.ts';

export const LEADER_START_TOLERANCE_MS = 2_000;

/**
 * Has the leader ended? True when the pid is gone, a zombie, or now
 * another process (its start time changed). Used while waiting and before each further signal.
 */
export function leaderEnded(pid: number, startTicks: number | null): boolean {
  const stat = readProcStat(pid);
  if (stat === null) return !processExists(pid);
  if (isExitedState(stat.state)) return true;
  return startTicks !== null && stat.startTicks !== startTicks;
}
