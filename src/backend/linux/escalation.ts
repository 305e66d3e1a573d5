/**
 * Ending one process of a session (session-end.ts runs this for each of them) with signals: SIGHUP
 * (what a terminal hang-up sends; shells pass it on to their jobs and exit), then SIGTERM if it is
 * still there after a grace period, then SIGKILL. Only signals are used, never a shell. (The
 * process is called the leader here, as waiter.ts's Leader: one process held by pid and pidfd.)
 *
 * The pid-reuse guard: where the leader has a pidfd (pidfd.ts), every signal goes through it and
 * can only reach that very process. Where it has none, the leader is checked again before every
 * signal after the first (leader.ts), so a pid that was reused meanwhile is never signalled; the
 * first signal follows the caller's own check (session-end.ts) at once. The waits between signals are
 * one shared wait for all leaders (waiter.ts).
 */
import { constants } from 'node:os';
import { leaderEnded } from './leader.ts';
import { pidfds } from './pidfd.ts';
import { waitForEnd, type Leader } from './waiter.ts';

/** Every bound of the logoff sequence, in one place. */
export const LOGOFF_TIMING = {
  /** How long the leader gets after SIGHUP before SIGTERM. */
  hupToTermMs: 2_000,
  /** How long it gets after SIGTERM before SIGKILL. */
  termToKillMs: 3_000,
  /** How long after SIGKILL before giving up (a process stuck in uninterruptible sleep). */
  afterKillMs: 2_000,
} as const;

export type EndResult = { kind: 'ended' } | { kind: 'denied' } | { kind: 'timedOut' } | { kind: 'failed'; error: unknown };

type SendResult = 'sent' | 'ended' | 'denied';

/** kill(2) by pid; signal 0 only checks that the process exists and may be signalled. */
export function kill(pid: number, signal: NodeJS.Signals | 0): SendResult {
  try {
    process.kill(pid, signal);
    return 'sent';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return 'ended';
    if (code === 'EPERM') return 'denied';
    throw err;
  }
}

/** One signal to the leader; `recheck`: look whether the pid is still the leader first (no pidfd). */
function send(leader: Leader, signal: NodeJS.Signals, recheck: boolean): SendResult {
  if (leader.pidfd !== null) return (pidfds() ?? failNoPidfds()).signal(leader.pidfd, constants.signals[signal]);
  if (recheck && leaderEnded(leader.pid, leader.startTicks)) return 'ended';
  return kill(leader.pid, signal);
}

function failNoPidfds(): never {
  throw new Error('a leader has a pidfd but the pidfd calls are not loaded');
}

export interface Logoff {
  /** What SIGHUP did, decided synchronously: sent, found the leader already ended, refused, failed. */
  readonly hangup: SendResult | 'failed';
  /** How it ended; never rejects. Its pidfd is closed by then. */
  readonly done: Promise<EndResult>;
}

/**
 * Sends SIGHUP now and runs the rest of the sequence in the shared wait. The caller has just
 * checked that `leader` is the session's leader. `keepAlive` says whether the waits hold the event
 * loop (yes while a caller awaits `done`; no for a background logoff, so that a finished helper
 * can exit).
 */
export function startLogoff(leader: Leader, keepAlive: boolean): Logoff {
  const release = (): void => {
    if (leader.pidfd !== null) pidfds()?.close(leader.pidfd);
  };
  let hangup: SendResult;
  try {
    hangup = send(leader, 'SIGHUP', false);
  } catch (error) {
    release();
    return { hangup: 'failed', done: Promise.resolve({ kind: 'failed', error }) };
  }
  if (hangup !== 'sent') {
    release();
    return { hangup, done: Promise.resolve(hangup === 'ended' ? { kind: 'ended' } : { kind: 'denied' }) };
  }

  const steps: Array<[NodeJS.Signals | null, number]> = [
    [null, LOGOFF_TIMING.hupToTermMs], // SIGHUP already sent
    ['SIGTERM', LOGOFF_TIMING.termToKillMs],
    ['SIGKILL', LOGOFF_TIMING.afterKillMs],
  ];
  const done = (async (): Promise<EndResult> => {
    try {
      for (const [signal, graceMs] of steps) {
        if (signal !== null) {
          const sent = send(leader, signal, true);
          if (sent === 'ended') return { kind: 'ended' };
          if (sent === 'denied') return { kind: 'denied' };
        }
        if (await waitForEnd(leader, graceMs, keepAlive)) return { kind: 'ended' };
      }
      return { kind: 'timedOut' };
    } catch (error) {
      return { kind: 'failed', error };
    } finally {
      release();
    }
  })();
  return { hangup, done };
}
