/**
 * Ending Linux sessions: every process of each (identity.ts), through the escalation of
 * escalation.ts (SIGHUP, SIGTERM, SIGKILL; the pid-reuse guard; the one shared wait), all
 * sessions of a logoff together, and nothing else. What a hang-up of its terminal would do, with
 * the power of the caller: a user can end her own session, as `loginctl terminate-session` lets
 * her; another user's needs root.
 */
import { kill, startLogoffs, type EndResult, type LogoffTiming } from './escalation.ts';
import type { Member, ResolvedSession } from './identity.ts';
import { pidfds } from './pidfd.ts';
import { isExitedState, processExists, readProcStat } from './proc.ts';
import { waitForAll, type Leader } from './waiter.ts';

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
 * `held` gives the pidfds the logoff's pass over /proc opened before it read each process
 * (held.ts): such a process was read once, through its pidfd's eyes, and is not read again.
 * The others (no pidfds here, or none was left then) are checked now. A session /proc hides
 * (hidepid) is its recorded process alone. Empty: the session has ended.
 */
export function bindSession(s: ResolvedSession, held?: (pid: number) => number | null): Leader[] {
  const members: Array<Member | { pid: number; startTicks: null }> = s.members ?? [{ pid: s.record.pid, startTicks: null }];
  const bound: Leader[] = [];
  for (const m of members) {
    const pidfd = m.startTicks === null ? null : (held?.(m.pid) ?? null);
    if (pidfd !== null) {
      bound.push({ pid: m.pid, startTicks: m.startTicks, pidfd });
      continue;
    }
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
async function othersEnded(others: readonly Leader[], keepAlive: boolean, timing: LogoffTiming): Promise<boolean> {
  return (await waitForAll(others, timing.hupToTermMs, keepAlive)).size === others.length;
}

function combine(results: readonly EndResult[], othersGone: boolean): EndResult {
  const failed = results.find((r) => r.kind === 'failed');
  if (failed) return failed;
  if (results.some((r) => r.kind === 'timedOut')) return { kind: 'timedOut' };
  return othersGone && results.every((r) => r.kind === 'ended') ? { kind: 'ended' } : { kind: 'denied' };
}

/** One session's processes, sorted by what the caller may do to them (kill(2)'s rule: her own, or any as root). */
type Sorted = { mine: Leader[]; others: Leader[] } | { failed: unknown };

function sort(leaders: readonly Leader[]): Sorted {
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
    return { failed: error };
  }
  return { mine, others };
}

/**
 * Ends the bound processes of each session, all sessions together. First the check of which of
 * its processes the caller may signal: none, nothing is sent and the answer is 'denied' (another
 * user's session). Then SIGHUP to each of the caller's, for all sessions in one loop, and the
 * escalation of all of them together (escalation.ts); the others are waited for (othersEnded).
 * One SessionEnd per session, in order; `timing`: the grace periods (the backend's).
 */
export function endSessions(sessions: readonly (readonly Leader[])[], keepAlive: boolean, timing: LogoffTiming): SessionEnd[] {
  const sorted = sessions.map(sort);
  const logoffs = startLogoffs(sorted.flatMap((s) => ('mine' in s ? s.mine : [])), keepAlive, timing);
  let next = 0;
  return sorted.map((s): SessionEnd => {
    if (!('mine' in s)) return { hangup: 'failed', done: Promise.resolve({ kind: 'failed', error: s.failed }) };
    const { mine, others } = s;
    if (mine.length === 0) {
      release(others);
      const kind = others.length === 0 ? 'ended' : 'denied';
      return { hangup: kind, done: Promise.resolve({ kind }) };
    }
    const own = logoffs.slice(next, (next += mine.length));
    const hangups = own.map((l) => l.hangup);
    const hangup = hangups.includes('sent') ? 'sent' : hangups.includes('failed') ? 'failed' : hangups.every((h) => h === 'ended') ? 'ended' : 'denied';
    const done = (async (): Promise<EndResult> => {
      const results = await Promise.all(own.map((l) => l.done));
      try {
        return combine(results, others.length === 0 || (await othersEnded(others, keepAlive, timing)));
      } finally {
        release(others);
      }
    })();
    return { hangup, done };
  });
}

