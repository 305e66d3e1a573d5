/**
 * sessions.list of THIS computer, as worker tasks (the pool runs them, pool.ts); a remote
 * computer is listed with asynchronous calls instead (remote-list.ts):
 *
 * 1. one enumeration task: WTSEnumerateSessionsExW (or the classic one), system sessions dropped
 *    unless asked for;
 * 2. describe tasks: each describes whole sessions, both rounds of describe.ts's queries and the
 *    UserSession built on the worker, so that only finished sessions cross back to the helper's
 *    thread, as JSON text (listed-session.ts). Up to SESSIONS_PER_TASK sessions make one task;
 *    more are cut into at most one task per CPU, which run on different workers at once (5,000
 *    sessions of this computer). This
 *    computer's calls do not cross a network: they are CPU work, which workers spread over the
 *    CPUs, where the asynchronous calls would run every decode on the helper's one thread.
 *
 * Sessions that end in between are left out (describe.ts).
 */
import { availableParallelism } from 'node:os';
import type { UserSession } from '../../protocol/session.ts';
import { Win32Error, type EnumeratedSession, type WtsCalls } from './calls.ts';
import { describeSessions } from './describe.ts';
import type { DescribeTask, Enumerated, ListJob, Outcome, Task, TaskReply } from './jobs.ts';
import { listedSessions, sessionsText, type SessionsText } from './listed-session.ts';
import { isSystemSession } from './session-fields.ts';
import { withServer } from './server.ts';

/**
 * Up to this many sessions are described by one task (one worker); more are cut into at most one
 * task per CPU. Below it a second worker costs more (its start, the cloning) than it saves.
 */
export const SESSIONS_PER_TASK = 500;

/** Runs one task on a worker, calling `onStart` when a worker starts it; rejects when `signal` aborts (pool.ts). */
export type RunTask = <T extends Task>(task: T, signal: AbortSignal, opts?: { onStart?: () => void }) => Promise<TaskReply<T>>;

/** The enumeration task (worker side). */
export function enumerateServer(calls: WtsCalls, computer: string | null): Enumerated {
  return withServer(calls, computer, (h) => ({ sessions: calls.enumerate(h) }));
}

/** The describe task (worker side): both rounds for its sessions, on its own server handle; their JSON text. */
export function describeServer(calls: WtsCalls, task: DescribeTask): SessionsText {
  return sessionsText(withServer(calls, task.computer, (h) => describeSessions(calls, h, task.sessions, task.computerName)));
}

/** The describe tasks: one per SESSIONS_PER_TASK sessions, at most one per CPU. */
export function describeTasks(job: ListJob, sessions: EnumeratedSession[], cpus = availableParallelism()): DescribeTask[] {
  if (sessions.length === 0) return [];
  const parts = Math.max(1, Math.min(Math.ceil(sessions.length / SESSIONS_PER_TASK), cpus));
  const size = Math.ceil(sessions.length / parts);
  const tasks: DescribeTask[] = [];
  for (let i = 0; i < sessions.length; i += size) tasks.push({ op: 'describe', computer: job.computer, computerName: job.computerName, sessions: sessions.slice(i, i + size) });
  return tasks;
}

/**
 * The sessions of one computer, through `run`. Resolves with a Win32 failure or a message as the
 * whole job's answer; rejects when `signal` aborts (then every task of this computer still waiting
 * is dropped, and those running are left to finish). `onStart`: called when a worker starts the
 * enumeration.
 */
export async function listOnPool(run: RunTask, job: ListJob, signal: AbortSignal | undefined, onStart?: () => void): Promise<Outcome<UserSession[]>> {
  const mine = new AbortController();
  const stop = (): void => mine.abort();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) mine.abort();
  try {
    const enumerated = await run({ op: 'enumerate', computer: job.computer }, mine.signal, { onStart });
    if (!enumerated.ok) return enumerated;
    const { sessions } = enumerated.value;
    const shown = job.includeSystem ? sessions : sessions.filter((s) => !isSystemSession(s.SessionId, s.State));
    const replies = await Promise.all(describeTasks(job, shown).map((t) => run(t, mine.signal)));
    const failed = replies.find((r) => !r.ok);
    if (failed) return failed;
    return { ok: true, value: replies.flatMap((r) => (r.ok ? listedSessions(r.value) : [])) };
  } catch (e) {
    if (e instanceof Win32Error) return { ok: false, win32: e.failure };
    throw e;
  } finally {
    // Whatever ended this listing (an answer, a failure, the timeout), its other tasks are not needed.
    mine.abort();
    signal?.removeEventListener('abort', stop);
  }
}
