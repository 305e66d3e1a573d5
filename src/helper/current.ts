/**
 * IsCurrent on every session the helper answers with: the backend says which session PowerShell
 * runs in (Backend.currentSession, asked once per helper: a process never changes session), and
 * only sessions of this computer can be it.
 */
import type { Backend } from '../backend/backend.ts';
import { isLocalComputer } from '../backend/local-computer.ts';
import type { ActionResult, QueryResult } from '../protocol/method.ts';
import type { UserSession } from '../protocol/session.ts';

export type IsCurrent = (s: UserSession) => boolean;

export function currentSessionTest(backend: Backend): () => Promise<IsCurrent> {
  let test: Promise<IsCurrent> | null = null;
  return () => {
    test ??= (backend.currentSession?.() ?? Promise.resolve(() => false)).catch(() => () => false);
    return test;
  };
}

/**
 * Whether a computer name is this computer, asked once per name of one answer: isLocalComputer
 * reads the host name from the system each time, and a listing has thousands of sessions of one
 * computer.
 */
function localNames(): (name: string) => boolean {
  const known = new Map<string, boolean>();
  return (name) => {
    let local = known.get(name);
    if (local === undefined) known.set(name, (local = isLocalComputer(name)));
    return local;
  };
}

/**
 * The session with IsCurrent set, in place: the backends answer each call with objects of its own
 * (copying thousands of sessions cost the helper more than the rest of marking them).
 */
function mark(s: UserSession, isCurrent: IsCurrent, isLocal: (name: string) => boolean): UserSession {
  s.IsCurrent = isLocal(s.ComputerName) && isCurrent(s);
  return s;
}

/** The test, asked of the backend only when some session is of this computer (no other can be current). */
async function testFor(sessions: readonly UserSession[], current: () => Promise<IsCurrent>, isLocal: (name: string) => boolean): Promise<IsCurrent> {
  return sessions.some((s) => isLocal(s.ComputerName)) ? current() : () => false;
}

/** The listing with IsCurrent set; with `onlyCurrent`, only the current session. */
export async function markListed(r: QueryResult<UserSession>, current: () => Promise<IsCurrent>, onlyCurrent: boolean): Promise<QueryResult<UserSession>> {
  const isLocal = localNames();
  const isCurrent = await testFor(r.Items, current, isLocal);
  const items = r.Items.map((s) => mark(s, isCurrent, isLocal));
  return { ...r, Items: onlyCurrent ? items.filter((s) => s.IsCurrent) : items };
}

/** An action's outcomes with IsCurrent set on each session it reports. */
export async function markOutcomes(r: ActionResult<UserSession>, current: () => Promise<IsCurrent>): Promise<ActionResult<UserSession>> {
  const isLocal = localNames();
  const isCurrent = await testFor(r.Outcomes.flatMap((o) => (o.Item === null ? [] : [o.Item])), current, isLocal);
  return { Outcomes: r.Outcomes.map((o) => (o.Item === null ? o : { ...o, Item: mark(o.Item, isCurrent, isLocal) })) };
}
