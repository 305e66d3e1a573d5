/**
 * Stop-UserSession on Linux: find each target among utmp's records (no look at the sessions not
 * asked for), check its leader once, and end it (escalation.ts). All targets at once; one outcome
 * per target, in input order; a failure is that target's outcome and never stops the others.
 *
 * Per target: a pidfd of the recorded pid (pidfd.ts; where available), then the one check that the
 * process is still the session's leader (leader.ts), then SIGHUP through that pidfd. Opening the
 * pidfd before the check binds it to the process the check saw; without pidfds, kill() follows
 * the check at once. The waits for all targets are one shared wait (waiter.ts).
 */
import { hostname } from 'node:os';
import type { SessionTarget, UserSession } from '../../protocol/session.ts';
import type { TargetError } from '../../protocol/errors.ts';
import type { SessionOutcome } from '../backend.ts';
import { isLocalComputer } from '../local-computer.ts';
import { LOGOFF_TIMING, startLogoff, type EndResult } from './escalation.ts';
import { checkLeader } from './leader.ts';
import { pidfds } from './pidfd.ts';
import { bootTimeMs } from './proc.ts';
import { describeRecord, loginMs, readUserRecords, type SessionSource } from './sessions.ts';
import { accessDenied, backendFailed, remoteNotSupported, sessionNotFound, timedOut } from './target-errors.ts';
import type { UtmpRecord } from './utmp-read.ts';
import type { Leader } from './waiter.ts';

/** Receives a background logoff (wait=false) so that the backend can let it finish on close(). */
export type TrackBackground = (done: Promise<EndResult>) => void;

function outcome(target: SessionTarget, session: UserSession | null, error: TargetError | null): SessionOutcome {
  return { Target: target, Item: session, Error: error };
}

function outcomeOf(target: SessionTarget, user: string, result: EndResult): SessionOutcome {
  switch (result.kind) {
    case 'ended':
      return outcome(target, null, null);
    case 'denied':
      return outcome(target, null, accessDenied(target, user));
    case 'timedOut':
      return outcome(target, null, timedOut(target, user, LOGOFF_TIMING.afterKillMs));
    case 'failed':
      return outcome(target, null, backendFailed(target, result.error));
  }
}

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

/** The record's leader if it is still the session's: null when it is gone, a zombie or replaced. */
function findLeader(r: UtmpRecord, bootMs: number): Leader | null {
  const { fd, gone } = openPidfd(r.pid);
  if (gone) return null;
  const check = checkLeader(r.pid, loginMs(r), bootMs);
  if (check.status === 'live') return { pid: r.pid, startTicks: check.startTicks, pidfd: fd };
  if (fd !== null) pidfds()?.close(fd);
  return null;
}

interface Batch {
  src: SessionSource;
  byPid: ReadonlyMap<number, UtmpRecord>;
  bootMs: number;
  computer: string;
  now: number;
}

async function logoffOne(target: SessionTarget, batch: Batch, wait: boolean, track: TrackBackground): Promise<SessionOutcome> {
  if (!isLocalComputer(target.ComputerName)) return outcome(target, null, remoteNotSupported(target));
  const record = batch.byPid.get(target.SessionId);
  const leader = record === undefined ? null : findLeader(record, batch.bootMs);
  if (record === undefined || leader === null) return outcome(target, null, sessionNotFound(target));
  // Only a logoff that is not waited for answers with the session (as it was before the signal).
  const session = wait ? null : describeRecord(batch.src, record, leader.startTicks, batch.computer, batch.now).session;
  const logoff = startLogoff(leader, wait);
  if (!wait && logoff.hangup === 'sent') {
    track(logoff.done);
    return outcome(target, session, null);
  }
  return outcomeOf(target, record.user, await logoff.done);
}

export async function logoffSessions(src: SessionSource, targets: readonly SessionTarget[], wait: boolean, track: TrackBackground): Promise<SessionOutcome[]> {
  const anyLocal = targets.some((t) => isLocalComputer(t.ComputerName));
  let records: UtmpRecord[] = [];
  let unreadable: unknown = null; // the utmp file: each local target's error, not the whole call's
  if (anyLocal) {
    try {
      records = await readUserRecords(src);
    } catch (err) {
      unreadable = err;
    }
  }
  const batch: Batch = {
    src,
    byPid: new Map(records.map((r) => [r.pid, r])),
    bootMs: records.length > 0 ? bootTimeMs() : 0,
    computer: hostname(),
    now: Date.now(),
  };
  const one = async (target: SessionTarget): Promise<SessionOutcome> => {
    if (unreadable !== null && isLocalComputer(target.ComputerName)) throw unreadable;
    return logoffOne(target, batch, wait, track);
  };
  return Promise.all(targets.map((target) => one(target).catch((err: unknown): SessionOutcome => outcome(target, null, backendFailed(target, err)))));
}
