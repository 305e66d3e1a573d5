/**
 * sessions.list for one computer, as worker tasks (the pool runs them, pool.ts):
 *
 * 1. one enumeration task: WTSEnumerateSessionsExW (or the classic one), system sessions dropped
 *    unless asked for;
 * 2. the queries of describe.ts, round 1 and, where needed, round 2. On a computer that answers at
 *    once (this one, or a remote one whose enumeration call took under FAST_CALL_MS) they are one
 *    task; on a slower one they are spread over up to MAX_TASKS_PER_COMPUTER tasks that run on
 *    different workers at once, so that a computer with one session costs two round trips
 *    (enumeration, then its three queries side by side) instead of four, and one with fifty
 *    sessions does not take 150 round trips in a row.
 *
 * Every task opens its own server handle and closes it before it answers (server.ts): no handle is
 * shared between threads, and a task given up mid-call (the timeout) still closes what it opened.
 * Sessions that end in between are left out (describe.ts).
 */
import type { UserSession } from '../../protocol/session.ts';
import { Win32Error, type WtsCalls } from './calls.ts';
import { addRound, assemble, firstRound, followUps, SessionAnswers } from './describe.ts';
import type { Enumerated, ListJob, Outcome, QueryTask, Task, TaskReply } from './jobs.ts';
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

/** Runs one task on a worker, calling `onStart` when a worker starts it; rejects when `signal` aborts (pool.ts). */
export type RunTask = <T extends Task>(task: T, signal: AbortSignal, opts?: { onStart?: () => void }) => Promise<TaskReply<T>>;

/** The enumeration task (worker side). */
export function enumerateServer(calls: WtsCalls, computer: string | null): Enumerated {
  return withServer(calls, computer, (h) => ({ sessions: calls.enumerate(h), callMs: calls.lastEnumerateMs }));
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
  const parts = computer === null || callMs < FAST_CALL_MS ? 1 : Math.min(queries.length, MAX_TASKS_PER_COMPUTER);
  return split(queries, parts).map((run) => ({ op: 'query', computer, queries: run }));
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
