/**
 * sessions.list of THIS computer, as worker tasks (the pool runs them, pool.ts); a remote
 * computer is listed with asynchronous calls instead (remote-list.ts):
 *
 * 1. one enumeration task: WTSEnumerateSessionsExW (or the classic one), system sessions dropped
 *    unless asked for, the rest cut into the describe tasks' parts (JSON text: the main thread
 *    only passes them on);
 * 2. describe tasks: each describes whole sessions, both rounds of describe.ts's queries and the
 *    UserSession built on the worker, so that only finished sessions cross back to the helper's
 *    thread, as JSON text (listed-session.ts). Up to SESSIONS_PER_TASK sessions make one task;
 *    more are cut into at most one task per CPU, which run on different workers at once (5,000
 *    sessions of this computer). This computer's calls do not cross a network: they are CPU
 *    work, which workers spread over the CPUs, where the asynchronous calls would run every
 *    decode on the helper's one thread.
 *
 * Sessions that end in between are left out (describe.ts).
 */
import { availableParallelism } from 'node:os';
import type { UserSession } from '../../protocol/session.ts';
import { Win32Error, type EnumeratedSession, type WtsCalls } from './calls.ts';
import { describeSessions } from './describe.ts';
import type { DescribeTask, Enumerated, EnumerateTask, ListJob, Outcome, Task, TaskReply } from './jobs.ts';
import { listedSessions, sessionJson, sessionsText, type SessionsText } from './listed-session.ts';
import { shownSessions } from './session-fields.ts';
import { withServer } from './server.ts';

/**
 * Up to this many sessions are described by one task (one worker); more are cut into at most one
 * task per CPU. Below it a second worker costs more (its start, the cloning) than it saves.
 */
export const SESSIONS_PER_TASK = 500;

/** Runs one task on a worker, calling `onStart` when a worker starts it; rejects when `signal` aborts (pool.ts). */
export type RunTask = <T extends Task>(task: T, signal: AbortSignal, opts?: { onStart?: () => void }) => Promise<TaskReply<T>>;

/**
 * The enumeration task (worker side): the sessions to show, cut into the describe tasks' parts,
 * each as JSON text, so that the main thread passes them on without making an object of any row.
 */
export function enumerateServer(calls: WtsCalls, task: EnumerateTask): Enumerated {
  const sessions = withServer(calls, task.computer, (h) => calls.enumerate(h));
  const shown = shownSessions(sessions, task.includeSystem);
  return { parts: describeParts(shown, task.cpus).map((part) => JSON.stringify(part)) };
}

/** The describe task (worker side): both rounds for its sessions, on its own server handle; their JSON text. */
export function describeServer(calls: WtsCalls, task: DescribeTask): SessionsText {
  const listed = JSON.parse(task.sessions) as EnumeratedSession[];
  return sessionsText(withServer(calls, task.computer, (h) => describeSessions(calls, h, listed, task.computerName, sessionJson)));
}

/** The sessions of each describe task: one per SESSIONS_PER_TASK sessions, at most one per CPU, in order. */
export function describeParts(sessions: readonly EnumeratedSession[], cpus = availableParallelism()): EnumeratedSession[][] {
  if (sessions.length === 0) return [];
  const parts = Math.max(1, Math.min(Math.ceil(sessions.length / SESSIONS_PER_TASK), cpus));
  const size = Math.ceil(sessions.length / parts);
  const out: EnumeratedSession[][] = [];
  for (let i = 0; i < sessions.length; i += size) out.push(sessions.slice(i, i + size));
  return out;
}

/** The describe tasks of an enumeration's parts. */
export function describeTasks(job: ListJob, parts: readonly string[]): DescribeTask[] {
  return parts.map((sessions) => ({ op: 'describe', computer: job.computer, computerName: job.computerName, sessions }));
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
    const enumerate: EnumerateTask = { op: 'enumerate', computer: job.computer, includeSystem: job.includeSystem, cpus: availableParallelism() };
    const enumerated = await run(enumerate, mine.signal, { onStart });
    if (!enumerated.ok) return enumerated;
    const replies = await Promise.all(describeTasks(job, enumerated.value.parts).map((t) => run(t, mine.signal)));
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
