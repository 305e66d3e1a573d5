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

function mark(s: UserSession, isCurrent: IsCurrent): UserSession {
  return { ...s, IsCurrent: isLocalComputer(s.ComputerName) && isCurrent(s) };
}

/** The test, asked of the backend only when some session is of this computer (no other can be current). */
async function testFor(sessions: readonly UserSession[], current: () => Promise<IsCurrent>): Promise<IsCurrent> {
  return sessions.some((s) => isLocalComputer(s.ComputerName)) ? current() : () => false;
}

/** The listing with IsCurrent set; with `onlyCurrent`, only the current session. */
export async function markListed(r: QueryResult<UserSession>, current: () => Promise<IsCurrent>, onlyCurrent: boolean): Promise<QueryResult<UserSession>> {
  const isCurrent = await testFor(r.Items, current);
  const items = r.Items.map((s) => mark(s, isCurrent));
  return { ...r, Items: onlyCurrent ? items.filter((s) => s.IsCurrent) : items };
}

/** An action's outcomes with IsCurrent set on each session it reports. */
export async function markOutcomes(r: ActionResult<UserSession>, current: () => Promise<IsCurrent>): Promise<ActionResult<UserSession>> {
  const isCurrent = await testFor(r.Outcomes.flatMap((o) => (o.Item === null ? [] : [o.Item])), current);
  return { Outcomes: r.Outcomes.map((o) => (o.Item === null ? o : { ...o, Item: mark(o.Item, isCurrent) })) };
}
