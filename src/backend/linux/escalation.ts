/**
 * Ending one session leader with signals: SIGHUP (what a terminal hang-up sends; shells pass it
 * on to their jobs and exit), then SIGTERM if it is still there after a grace period, then
 * SIGKILL. Before every signal the leader is checked again (leader.ts), so a pid that was reused
 * meanwhile is never signalled. Only process.kill() is used, never a shell.
 */
import { performance } from 'node:perf_hooks';
import { leaderEnded } from './leader.ts';

/** Every bound of the logoff sequence, in one place. */
export const LOGOFF_TIMING = {
  /** How long the leader gets after SIGHUP before SIGTERM. */
  hupToTermMs: 2_000,
  /** How long it gets after SIGTERM before SIGKILL. */
  termToKillMs: 3_000,
  /** How long after SIGKILL before giving up (a process stuck in uninterruptible sleep). */
  afterKillMs: 2_000,
  /** How often to look whether the leader is gone. */
  pollMs: 25,
} as const;

export type EndResult = { kind: 'ended' } | { kind: 'denied' } | { kind: 'timedOut' } | { kind: 'failed'; error: unknown };

type SendResult = 'sent' | 'ended' | 'denied';

function send(pid: number, startTicks: number | null, signal: NodeJS.Signals): SendResult {
  if (leaderEnded(pid, startTicks)) return 'ended';
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

/** A timer that, unless keepAlive, does not keep the helper's event loop alive on its own. */
function sleep(ms: number, keepAlive: boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (!keepAlive) timer.unref();
  });
}

async function endsWithin(pid: number, startTicks: number | null, ms: number, keepAlive: boolean): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (leaderEnded(pid, startTicks)) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(LOGOFF_TIMING.pollMs, left), keepAlive);
  }
}

export interface Logoff {
  /** What SIGHUP did, decided synchronously: sent, found the leader already ended, refused, failed. */
  readonly hangup: SendResult | 'failed';
  /** How it ended; never rejects. */
  readonly done: Promise<EndResult>;
}

/**
 * Sends SIGHUP now and runs the rest of the sequence on timers. `keepAlive` says whether those
 * timers hold the event loop (yes while a caller awaits `done`; no for a background logoff, so
 * that a finished helper can exit).
 */
export function startLogoff(pid: number, startTicks: number | null, keepAlive: boolean): Logoff {
  let hangup: SendResult;
  try {
    hangup = send(pid, startTicks, 'SIGHUP');
  } catch (error) {
    return { hangup: 'failed', done: Promise.resolve({ kind: 'failed', error }) };
  }
  if (hangup === 'ended') return { hangup, done: Promise.resolve({ kind: 'ended' }) };
  if (hangup === 'denied') return { hangup, done: Promise.resolve({ kind: 'denied' }) };

  const steps: Array<[NodeJS.Signals | null, number]> = [
    [null, LOGOFF_TIMING.hupToTermMs], // SIGHUP already sent
    ['SIGTERM', LOGOFF_TIMING.termToKillMs],
    ['SIGKILL', LOGOFF_TIMING.afterKillMs],
  ];
  const done = (async (): Promise<EndResult> => {
    try {
      for (const [signal, graceMs] of steps) {
        if (signal !== null) {
          const sent = send(pid, startTicks, signal);
          if (sent === 'ended') return { kind: 'ended' };
          if (sent === 'denied') return { kind: 'denied' };
        }
        if (await endsWithin(pid, startTicks, graceMs, keepAlive)) return { kind: 'ended' };
      }
      return { kind: 'timedOut' };
    } catch (error) {
      return { kind: 'failed', error };
    }
  })();
  return { hangup, done };
}
