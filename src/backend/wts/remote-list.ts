/**
 * sessions.list of a remote computer with asynchronous calls (async-calls.ts), on the helper's
 * main thread: no worker thread.
 *
 * 1. WTSOpenServerExW, then WTSEnumerateSessionsExW (or the classic one) on that handle;
 * 2. the queries of describe.ts, round 1 and, where needed, round 2, spread over up to
 *    MAX_LANES_PER_COMPUTER lanes: a lane is one server handle and runs its queries one after
 *    another, the lanes side by side, each taking the round's next query when it is free. A
 *    computer with one session costs two round trips (enumeration, then its three queries at once),
 *    one with fifty sessions not 150 in a row. A round that starts with fewer lanes than queries
 *    (every slot was held) takes another lane whenever one of its queries returns, a slot is free
 *    and more queries wait than it has lanes: one more lane starts one of them a round trip sooner.
 *
 * A handle is used by one call at a time (its lane's), never by two threads at once. Every handle
 * is closed once its lane's last call has returned: at the end of the listing, or, for a listing
 * given up on (its timeout), when the call it was in the middle of comes back. Whether a handle
 * per lane costs a real server extra round trips (each handle's first call connecting anew), and
 * whether WTSOpenServerExW itself can block on an unreachable host, is not checked here (no
 * Windows; the double's open never waits): it is called asynchronously, like the calls that do.
 */
import type { UserSession } from '../../protocol/session.ts';
import type { AsyncWts, Release } from './async-calls.ts';
import { Win32Error } from './calls.ts';
import { addRound, assemble, firstRound, followUps, SessionAnswers } from './describe.ts';
import type { ListJob, Outcome } from './jobs.ts';
import { Lane } from './lane.ts';
import type { Answer, Query } from './queries.ts';
import { shownSessions } from './session-fields.ts';

/** At most this many calls (lanes, handles) of one computer at once. */
export const MAX_LANES_PER_COMPUTER = 16;

/**
 * One round's queries on `lanes` (the listing's: lanes added here are pushed to it, so that the
 * listing closes them), each lane taking the next query when it is free; one answer per query, in
 * order. A lane is added, in a slot that is free at once (never waiting while holding one), at the
 * start and whenever a query returns, while more queries wait than lanes work. Rejects with the first failure of a
 * lane (its handle could not be opened, or the listing was given up); no lane is added after that.
 */
function runRound(wts: AsyncWts, computer: string, signal: AbortSignal, lanes: Lane[], queries: readonly Query[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(queries.length);
  let next = 0;
  return new Promise<Answer[]>((resolve, reject) => {
    let working = 0;
    let failed = false;
    const work = async (lane: Lane): Promise<void> => {
      // Its handle first: a handle that cannot be opened fails the listing, not a query.
      await lane.open();
      while (next < queries.length) {
        const i = next++;
        answers[i] = await lane.ask(queries[i] as Query);
        grow();
      }
    };
    const start = (lane: Lane): void => {
      working++;
      work(lane).then(
        () => {
          if (--working === 0 && !failed) resolve(answers);
        },
        (e: unknown) => {
          working--;
          if (failed) return;
          failed = true;
          reject(e);
        },
      );
    };
    // More queries wait than lanes work (each working lane takes one when it is free): one more lane
    // starts one of them a round trip sooner.
    const grow = (): void => {
      for (let release: Release | null; !failed && !signal.aborted && queries.length - next > working && lanes.length < MAX_LANES_PER_COMPUTER && (release = wts.tryAcquire()) !== null; ) {
        const lane = new Lane(wts, computer, signal, release);
        lanes.push(lane);
        start(lane);
      }
    };
    const first = Math.min(queries.length, lanes.length);
    for (let i = 0; i < first; i++) start(lanes[i] as Lane);
    grow();
  });
}

/**
 * The sessions of one remote computer. Resolves with the sessions or a Win32 failure of the whole
 * listing; rejects with an AbortError as soon as `signal` aborts (the calls in flight are left to
 * return, free their buffers and close their handles). `onStart`: called when its first call starts.
 */
export async function listRemote(wts: AsyncWts, job: ListJob & { computer: string }, signal: AbortSignal, onStart: () => void): Promise<Outcome<UserSession[]>> {
  // A computer's first lane waits in line for its slot with other computers'; its clock starts with
  // its first call, in that slot, which the lane keeps to its end. Further lanes take only slots
  // that are free at once (never waiting while holding one): when slots are short, the queries run
  // on fewer lanes, one after another.
  const lanes = [new Lane(wts, job.computer, signal)];
  let outcome: Outcome<UserSession[]>;
  try {
    const sessions = await (lanes[0] as Lane).enumerate(onStart);
    const shown = shownSessions(sessions, job.includeSystem);
    const ids = shown.map((s) => s.SessionId);
    const answers = new SessionAnswers();
    for (const round of [firstRound, followUps] as const) {
      const queries = round(ids, answers);
      if (queries.length === 0) continue;
      addRound(answers, ids, await runRound(wts, job.computer, signal, lanes, queries));
    }
    const described = shown.map((s) => assemble(answers, s.SessionId, job.computerName, s));
    outcome = { ok: true, value: described.filter((s): s is UserSession => s !== null) };
  } catch (e) {
    // Given up: the handles close in the background, as their calls return.
    const closing = lanes.map((lane) => lane.close());
    if (!(e instanceof Win32Error)) throw e;
    outcome = { ok: false, win32: e.failure };
    await untilAborted(Promise.all(closing), signal);
    return outcome;
  }
  // Answered: the handles are closed before the answer, unless the listing is given up meanwhile.
  await untilAborted(Promise.all(lanes.map((lane) => lane.close())), signal);
  return outcome;
}

/** `done`, or the abort of `signal`, whichever comes first. */
function untilAborted(done: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      signal.removeEventListener('abort', stop);
      resolve();
    };
    signal.addEventListener('abort', stop, { once: true });
    void done.then(stop);
  });
}
