/**
 * sessions.list for one computer, as worker tasks (the pool runs them, pool.ts):
 *
 * 1. one enumeration task: WTSEnumerateSessionsExW (or the classic one), system sessions dropped
 *    unless asked for;
 * 2. the queries of describe.ts, round 1 and, where needed, round 2:
 *    - on a computer that answers at once (this one, or a remote one whose enumeration call took
 *      under FAST_CALL_MS) each task describes whole sessions, both rounds and the UserSession
 *      built on the worker, so that only finished sessions cross back to the helper's thread. Up
 *      to SESSIONS_PER_TASK sessions make one task; more are cut into at most one task per CPU,
 *      which run on different workers at once (5,000 sessions of this computer);
 *    - on a slower one the round's queries are spread over up to MAX_TASKS_PER_COMPUTER tasks
 *      that run on different workers at once, so that a computer with one session costs two round
 *      trips (enumeration, then its three queries side by side) instead of four, and one with
 *      fifty sessions does not take 150 round trips in a row.
 *
 * Every task opens its own server handle and closes it before it answers (server.ts): no handle is
 * shared between threads, and a task given up mid-call (the timeout) still closes what it opened.
 * Sessions that end in between are left out (describe.ts).
 */
import { availableParallelism } from 'node:os';
import type { UserSession } from '../../protocol/session.ts';
import { Win32Error, type EnumeratedSession, type WtsCalls } from './calls.ts';
import { addRound, assemble, describeSessions, firstRound, followUps, SessionAnswers } from './describe.ts';
import type { DescribeTask, Enumerated, ListJob, Outcome, QueryTask, Task, TaskReply } from './jobs.ts';
import type { Query } from './queries.ts';
import { isSystemSession } from './session-fields.ts';
import { withServer } from './server.ts';

/**
 * A remote computer whose enumeration call took less than this answers at once (a LAN): no
 * spreading. This computer's own sessions are never spread: its calls do not cross a network.
 */
export const FAST_CALL_MS = 5;
/** At most this many query tasks of one computer at once. */
export const MAX_TASKS_PER_COMPUTER = 16;
/**
 * A computer that answers at once: up to this many sessions are described by one task (one
 * worker); more are cut into at most one task per CPU. Below it a second worker costs more (its
 * start, the cloning) than it saves.
 */
export const SESSIONS_PER_TASK = 500;

/** Runs one task on a worker, calling `onStart` when a worker starts it; rejects when `signal` aborts (pool.ts). */
export type RunTask = <T extends Task>(task: T, signal: AbortSignal, opts?: { onStart?: () => void }) => Promise<TaskReply<T>>;

/** The enumeration task (worker side). */
export function enumerateServer(calls: WtsCalls, computer: string | null): Enumerated {
  return withServer(calls, computer, (h) => ({ sessions: calls.enumerate(h), callMs: calls.lastEnumerateMs }));
}

/** The describe task (worker side): both rounds for its sessions, on its own server handle. */
export function describeServer(calls: WtsCalls, task: DescribeTask): UserSession[] {
  return withServer(calls, task.computer, (h) => describeSessions(calls, h, task.sessions, task.computerName));
}

/** Whether a computer answers at once: this one, or a remote one whose enumeration took under FAST_CALL_MS. */
function answersAtOnce(computer: string | null, callMs: number): boolean {
  return computer === null || callMs < FAST_CALL_MS;
}

/** `queries` in `parts` runs of near-equal length. */
function split(queries: Query[], parts: number): Query[][] {
  const size = Math.ceil(queries.length / parts);
  const runs: Query[][] = [];
  for (let i = 0; i < queries.length; i += size) runs.push(queries.slice(i, i + size));
  return runs;
}

/** The tasks for one round's queries: one on a fast computer, else up to MAX_TASKS_PER_COMPUTER. */
export function queryTasks(computer: string | null, queries: Query[], callMs: number): QueryTask[] {
  if (queries.length === 0) return [];
  const parts = answersAtOnce(computer, callMs) ? 1 : Math.min(queries.length, MAX_TASKS_PER_COMPUTER);
  return split(queries, parts).map((run) => ({ op: 'query', computer, queries: run }));
}

/** The describe tasks of a computer that answers at once: one per SESSIONS_PER_TASK sessions, at most one per CPU. */
export function describeTasks(job: ListJob, sessions: EnumeratedSession[], cpus = availableParallelism()): DescribeTask[] {
  if (sessions.length === 0) return [];
  const parts = Math.max(1, Math.min(Math.ceil(sessions.length / SESSIONS_PER_TASK), cpus));
  const size = Math.ceil(sessions.length / parts);
  const tasks: DescribeTask[] = [];
  for (let i = 0; i < sessions.length; i += size) tasks.push({ op: 'describe', computer: job.computer, computerName: job.computerName, sessions: sessions.slice(i, i + size) });
  return tasks;
}

/** The sessions of a computer that answers at once, described on the workers; in enumeration order. */
async function describeOnPool(run: RunTask, job: ListJob, shown: EnumeratedSession[], signal: AbortSignal): Promise<Outcome<UserSession[]>> {
  const replies = await Promise.all(describeTasks(job, shown).map((t) => run(t, signal)));
  const failed = replies.find((r) => !r.ok);
  if (failed) return failed;
  return { ok: true, value: replies.flatMap((r) => (r.ok ? r.value : [])) };
}

/**
 * The sessions of one computer, through `run`. Resolves with a Win32 failure or a message as the
 * whole job's answer; rejects when `signal` aborts (then every task of this computer still waiting
 * is dropped, and those running are left to finish and close their handles). `onStart`: called
 * when a worker starts the enumeration.
 */
export async function listOnPool(run: RunTask, job: ListJob, signal: AbortSignal | undefined, onStart?: () => void): Promise<Outcome<UserSession[]>> {
  const mine = new AbortController();
  const stop = (): void => mine.abort();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) mine.abort();
  try {
    const enumerated = await run({ op: 'enumerate', computer: job.computer }, mine.signal, { onStart });
    if (!enumerated.ok) return enumerated;
    const { sessions, callMs } = enumerated.value;
    const shown = job.includeSystem ? sessions : sessions.filter((s) => !isSystemSession(s.SessionId, s.State));
    if (answersAtOnce(job.computer, callMs)) return await describeOnPool(run, job, shown, mine.signal);
    const ids = shown.map((s) => s.SessionId);
    const answers = new SessionAnswers();
    for (const round of [firstRound, followUps] as const) {
      const tasks = queryTasks(job.computer, round(ids, answers), callMs);
      const replies = await Promise.all(tasks.map((t) => run(t, mine.signal)));
      const failed = replies.find((r) => !r.ok);
      if (failed) return failed;
      addRound(answers, ids, replies.flatMap((r) => (r.ok ? r.value : [])));
    }
    const described = shown.map((s) => assemble(answers, s.SessionId, job.computerName, s));
    return { ok: true, value: described.filter((s): s is UserSession => s !== null) };
  } catch (e) {
    if (e instanceof Win32Error) return { ok: false, win32: e.failure };
    throw e;
  } finally {
    // Whatever ended this listing (an answer, a failure, the timeout), its other tasks are not needed.
    mine.abort();
    signal?.removeEventListener('abort', stop);
  }
}
