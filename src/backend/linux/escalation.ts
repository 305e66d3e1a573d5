/**
 * Ending the processes of sessions (session-end.ts hands over all of a logoff's at once) with signals: SIGHUP
 * (what a terminal hang-up sends; shells pass it on to their jobs and exit), then SIGTERM if it is
 * still there after a grace period, then SIGKILL. Only signals are used, never a shell. (The
 * process is called the leader here, as waiter.ts's Leader: one process held by pid and pidfd.)
 *
 * The pid-reuse guard: where the leader has a pidfd (pidfd.ts), every signal goes through it and
 * can only reach that very process. Where it has none, the leader is checked again before every
 * signal after the first (leader.ts), so a pid that was reused meanwhile is never signalled; the
 * first signal follows the caller's own check (session-end.ts) at once. All leaders of a logoff
 * go through the sequence together: each signal in one loop, each wait between signals one shared
 * wait for all of them (waiter.ts).
 */
import { constants } from 'node:os';
import { leaderEnded } from './leader.ts';
import { pidfds } from './pidfd.ts';
import { waitForAll, type Leader } from './waiter.ts';

/** The bounds of the logoff sequence. */
export interface LogoffTiming {
  /** How long the leader gets after SIGHUP before SIGTERM. */
  readonly hupToTermMs: number;
  /** How long it gets after SIGTERM before SIGKILL. */
  readonly termToKillMs: number;
  /** How long after SIGKILL before giving up (a process stuck in uninterruptible sleep). */
  readonly afterKillMs: number;
}

/** The bounds every logoff uses unless the backend is given others (tests: SESSIONTOOLS_LOGOFF_TIMING_MS). */
export const LOGOFF_TIMING: LogoffTiming = { hupToTermMs: 2_000, termToKillMs: 3_000, afterKillMs: 2_000 };

/** The largest bound parseLogoffTiming takes: ten minutes. */
const MAX_BOUND_MS = 600_000;

/**
 * The bounds from text, "<SIGHUP to SIGTERM>,<SIGTERM to SIGKILL>,<after SIGKILL>" in whole
 * milliseconds, each 1 to 600000 (e.g. "2000,3000,2000", the default). `name` names the text's
 * source in the error thrown for anything else.
 */
export function parseLogoffTiming(text: string, name: string): LogoffTiming {
  const parts = text.split(',').map((p) => p.trim());
  const ms = parts.map((p) => (/^[0-9]{1,6}$/.test(p) ? Number(p) : Number.NaN));
  if (ms.length !== 3 || ms.some((n) => !(n >= 1 && n <= MAX_BOUND_MS))) {
    throw new Error(
      `${name} must be three whole numbers of milliseconds from 1 to ${MAX_BOUND_MS}, separated by commas ` +
        `(SIGHUP to SIGTERM, SIGTERM to SIGKILL, after SIGKILL; the default is 2000,3000,2000); it is '${text}'.`,
    );
  }
  const [hupToTermMs, termToKillMs, afterKillMs] = ms as [number, number, number];
  return { hupToTermMs, termToKillMs, afterKillMs };
}

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

/** The sequence after SIGHUP: each signal, then how long to wait for the leaders it reached. */
function steps(timing: LogoffTiming): ReadonlyArray<readonly [NodeJS.Signals | null, number]> {
  return [
    [null, timing.hupToTermMs], // SIGHUP already sent
    ['SIGTERM', timing.termToKillMs],
    ['SIGKILL', timing.afterKillMs],
  ];
}

/**
 * Sends SIGHUP now to each leader, in one loop, and runs the rest of the sequence for all of them
 * together: one shared wait per step (waiter.ts), then the next signal to those still there, in
 * one loop. The caller has just checked that each is a process of the session. `keepAlive` says
 * whether the waits hold the event loop (yes while a caller awaits `done`; no for a background
 * logoff, so that a finished helper can exit). One Logoff per leader, in order; each `done`
 * settles as soon as that leader has ended. `timing`: the grace periods (LOGOFF_TIMING unless the
 * backend was given others).
 */
export function startLogoffs(leaders: readonly Leader[], keepAlive: boolean, timing: LogoffTiming = LOGOFF_TIMING): Logoff[] {
  const settle = new Map<Leader, (r: EndResult) => void>();
  const end = (leader: Leader, result: EndResult): void => {
    const resolve = settle.get(leader);
    if (resolve === undefined) return; // settled already: its pidfd is closed, and its number may be another's now
    settle.delete(leader);
    if (leader.pidfd !== null) pidfds()?.close(leader.pidfd);
    resolve(result);
  };
  const logoffs = leaders.map((leader): Logoff => {
    const done = new Promise<EndResult>((resolve) => settle.set(leader, resolve));
    let hangup: SendResult | 'failed';
    try {
      hangup = send(leader, 'SIGHUP', false);
    } catch (error) {
      end(leader, { kind: 'failed', error });
      return { hangup: 'failed', done };
    }
    if (hangup !== 'sent') end(leader, hangup === 'ended' ? { kind: 'ended' } : { kind: 'denied' });
    return { hangup, done };
  });
  void escalate([...settle.keys()], keepAlive, timing, end);
  return logoffs;
}

/** The sequence after SIGHUP for the leaders it reached; `end` settles each, once. */
async function escalate(leaders: Leader[], keepAlive: boolean, timing: LogoffTiming, end: (l: Leader, r: EndResult) => void): Promise<void> {
  let pending = leaders;
  try {
    for (const [signal, graceMs] of steps(timing)) {
      if (signal !== null) {
        const still: Leader[] = [];
        for (const leader of pending) {
          let sent: SendResult;
          try {
            sent = send(leader, signal, true);
          } catch (error) {
            end(leader, { kind: 'failed', error });
            continue;
          }
          if (sent === 'sent') still.push(leader);
          else end(leader, sent === 'ended' ? { kind: 'ended' } : { kind: 'denied' });
        }
        pending = still;
      }
      if (pending.length === 0) return;
      const gone = await waitForAll(pending, graceMs, keepAlive, (leader) => end(leader, { kind: 'ended' }));
      pending = pending.filter((l) => !gone.has(l));
      if (pending.length === 0) return;
    }
    for (const leader of pending) end(leader, { kind: 'timedOut' });
  } catch (error) {
    for (const leader of pending) end(leader, { kind: 'failed', error });
  }
}

/** startLogoffs() for one leader. */
export function startLogoff(leader: Leader, keepAlive: boolean, timing: LogoffTiming = LOGOFF_TIMING): Logoff {
  return startLogoffs([leader], keepAlive, timing)[0] as Logoff;
}
