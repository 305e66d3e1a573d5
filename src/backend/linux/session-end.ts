/**
 * Ending one Linux session: every process of it (identity.ts), each through the escalation of
 * escalation.ts (SIGHUP, SIGTERM, SIGKILL; the pid-reuse guard; the one shared wait), and nothing
 * else. What a hang-up of its terminal would do, with the power of the caller: a user can end
 * her own session, as `loginctl terminate-session` lets her; another user's needs root.
 */
import { kill, LOGOFF_TIMING, startLogoff, type EndResult, type Logoff } from './escalation.ts';
import type { Member, ResolvedSession } from './identity.ts';
import { pidfds } from './pidfd.ts';
import { isExitedState, processExists, readProcStat } from './proc.ts';
import { waitForEnd, type Leader } from './waiter.ts';

/** A pidfd of `pid`: null when pidfds are not available, or none is left (EMFILE): then kill() is used. */
function openPidfd(pid: number): { fd: number | null; gone: boolean } {
  const fds = pidfds();
  if (fds === null) return { fd: null, gone: false };
  try {
    const fd = fds.open(pid);
    return { fd, gone: fd === null };
  } catch {
    return { fd: null, gone: false };
  }
}

function release(leaders: readonly Leader[]): void {
  for (const l of leaders) if (l.pidfd !== null) pidfds()?.close(l.pidfd);
}

/**
 * Each process of the session that is still the one /proc showed (same pid, same start time),
 * held by a pidfd opened before that check, so that later signals reach it and nothing else.
 * A session /proc hides (hidepid) is its recorded process alone. Empty: the session has ended.
 */
export function bindSession(s: ResolvedSession): Leader[] {
  const members: Array<Member | { pid: number; startTicks: null }> = s.members ?? [{ pid: s.record.pid, startTicks: null }];
  const bound: Leader[] = [];
  for (const m of members) {
    const { fd, gone } = openPidfd(m.pid);
    if (gone) continue;
    const stat = readProcStat(m.pid);
    const same =
      m.startTicks === null ? stat === null && processExists(m.pid) : stat !== null && !isExitedState(stat.state) && stat.startTicks === m.startTicks;
    if (same) bound.push({ pid: m.pid, startTicks: m.startTicks, pidfd: fd });
    else if (fd !== null) pidfds()?.close(fd);
  }
  return bound;
}

/** May the caller signal this process? Signal 0 checks without sending (kill(2)). */
function mayKill(l: Leader): 'yes' | 'denied' | 'ended' {
  const r = l.pidfd !== null ? pidfds()!.signal(l.pidfd, 0) : kill(l.pid, 0);
  return r === 'sent' ? 'yes' : r;
}

export interface SessionEnd {
  /** What the first signal did: sent to at least one process, or none was there, or refused. */
  readonly hangup: 'sent' | 'ended' | 'denied' | 'failed';
  /** How it ended; never rejects. Every pidfd is closed by then. */
  readonly done: Promise<EndResult>;
}

/**
 * Waits for the processes the caller may not signal (root's login(1) or sudo in her session) to
 * end by themselves once hers have: they do when her shell ends. Still there: denied.
 */
async function othersEnded(others: readonly Leader[], keepAlive: boolean): Promise<boolean> {
  const ended = await Promise.all(others.map((l) => waitForEnd(l, LOGOFF_TIMING.hupToTermMs, keepAlive)));
  return ended.every(Boolean);
}

function combine(results: readonly EndResult[], othersGone: boolean): EndResult {
  const failed = results.find((r) => r.kind === 'failed');
  if (failed) return failed;
  if (results.some((r) => r.kind === 'timedOut')) return { kind: 'timedOut' };
  return othersGone && results.every((r) => r.kind === 'ended') ? { kind: 'ended' } : { kind: 'denied' };
}

/**
 * Ends the bound processes of a session. First the check of which of them the caller may signal
 * (kill(2)'s rule: her own, or any as root): none, nothing is sent and the answer is 'denied' (another
 * user's session). Then SIGHUP to each of hers at once, and the escalation; the others are waited
 * for (othersEnded).
 */
export function endSession(leaders: Leader[], keepAlive: boolean): SessionEnd {
  const mine: Leader[] = [];
  const others: Leader[] = [];
  try {
    for (const l of leaders) {
      const may = mayKill(l);
      if (may === 'yes') mine.push(l);
      else if (may === 'denied') others.push(l);
      else release([l]);
    }
  } catch (error) {
    release(leaders);
    return { hangup: 'failed', done: Promise.resolve({ kind: 'failed', error }) };
  }
  if (mine.length === 0) {
    release(others);
    const kind = others.length === 0 ? 'ended' : 'denied';
    return { hangup: kind, done: Promise.resolve({ kind }) };
  }
  const logoffs: Logoff[] = mine.map((l) => startLogoff(l, keepAlive));
  const hangups = logoffs.map((l) => l.hangup);
  const hangup = hangups.includes('sent') ? 'sent' : hangups.includes('failed') ? 'failed' : hangups.every((h) => h === 'ended') ? 'ended' : 'denied';
  const done = (async (): Promise<EndResult> => {
    const results = await Promise.all(logoffs.map((l) => l.done));
    try {
      return combine(results, others.length === 0 || (await othersEnded(others, keepAlive)));
    } finally {
      release(others);
    }
  })();
  return { hangup, done };
}
