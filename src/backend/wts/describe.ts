/**
 * Sessions as UserSessions, from the answers of the per-session queries (queries.ts). Pure: the
 * queries run wherever the caller likes (list.ts spreads a computer's queries over several workers;
 * describeSession runs them on the calling worker), in two rounds:
 *
 * 1. WTSSessionInfoEx (names, state, times, lock), WTSClientInfo (client name and address in one
 *    call) and WTSClientProtocolType, for every session: three calls per session, which need not
 *    wait for each other (wts-api.md 2.3).
 * 2. Only where round 1 could not answer: WTSSessionInfo where WTSSessionInfoEx is missing (servers
 *    before 2008 R2), WTSClientName and WTSClientAddress where WTSClientInfo failed, and
 *    WTSClientAddress alone where its address is IPv6 (whose layout in WTSCLIENT is not
 *    documented, wts-api.md 7.6).
 *
 * What a failed query means: 7022/7007, the session ended meanwhile: it is dropped. 1722 and the
 * other "computer lost" codes: the whole call fails (the first such failure in session order, then
 * class order, is the one reported). Any other failure (5 on some classes, 50 or 1745 where a class
 * does not exist) leaves the fields it would have given unknown (null) and the session listed.
 */
import type { UserSession } from '../../protocol/session.ts';
import { Win32Error, type EnumeratedSession, type WtsCalls } from './calls.ts';
import { fileTimeToIso, idleMs } from './filetime.ts';
import { runQueries, type Answer, type Query, type QueryClass, type QueryValues } from './queries.ts';
import { isLocked, orNull, protocolName, stateName, WTSDisconnected } from './session-fields.ts';
import { isComputerLost, isSessionGone, type Win32Failure } from './win32-errors.ts';

/** Round 1, for every session. */
const FIRST_ROUND: readonly QueryClass[] = ['WTSSessionInfoEx', 'WTSClientInfo', 'WTSClientProtocolType'];
/** Every class, in the order their failures are looked at. */
const CLASS_ORDER: readonly QueryClass[] = ['WTSSessionInfoEx', 'WTSSessionInfo', 'WTSClientInfo', 'WTSClientName', 'WTSClientAddress', 'WTSClientProtocolType'];

/** The answers gathered so far, by session and class. */
export class SessionAnswers {
  private readonly bySession = new Map<number, Partial<Record<QueryClass, Answer>>>();
  private readonly ended = new Set<number>();
  /** Each session's first "computer lost" failure, in class order. */
  private readonly lost = new Map<number, { rank: number; failure: Win32Failure }>();

  add(answers: readonly Answer[]): void {
    for (const a of answers) {
      let byClass = this.bySession.get(a.id);
      if (byClass === undefined) this.bySession.set(a.id, (byClass = {}));
      byClass[a.cls] = a;
      if (a.ok) continue;
      if (isSessionGone(a.failure.code)) this.ended.add(a.id);
      const rank = CLASS_ORDER.indexOf(a.cls);
      const known = this.lost.get(a.id);
      if (isComputerLost(a.failure.code) && (known === undefined || rank < known.rank)) this.lost.set(a.id, { rank, failure: a.failure });
    }
  }

  /** The value, or undefined when the query was not made or failed. */
  value<C extends QueryClass>(id: number, cls: C): QueryValues[C] | undefined {
    const a = this.bySession.get(id)?.[cls];
    return a?.ok ? (a.value as QueryValues[C]) : undefined;
  }

  /** Did any query say that the session ended? */
  gone(id: number): boolean {
    return this.ended.has(id);
  }

  /** The first failure, in session order, that means the computer stopped answering, or null. */
  computerLost(ids: readonly number[]): Win32Failure | null {
    if (this.lost.size === 0) return null;
    for (const id of ids) {
      const lost = this.lost.get(id);
      if (lost !== undefined) return lost.failure;
    }
    return null;
  }
}

export function firstRound(ids: readonly number[]): Query[] {
  return ids.flatMap((id) => FIRST_ROUND.map((cls) => ({ id, cls })));
}

/** Round 2: the queries that stand in for what round 1 could not answer. */
export function followUps(ids: readonly number[], answers: SessionAnswers): Query[] {
  const queries: Query[] = [];
  for (const id of ids) {
    if (answers.gone(id)) continue;
    if (!answers.value(id, 'WTSSessionInfoEx')) queries.push({ id, cls: 'WTSSessionInfo' });
    const client = answers.value(id, 'WTSClientInfo');
    if (!client) queries.push({ id, cls: 'WTSClientName' }, { id, cls: 'WTSClientAddress' });
    else if (client.ClientAddress === undefined) queries.push({ id, cls: 'WTSClientAddress' });
  }
  return queries;
}

/**
 * The session `id` from its answers; null when it ended meanwhile, or when nothing about it could
 * be read and there is no enumeration row (`listed`, preferred for names).
 */
export function assemble(answers: SessionAnswers, id: number, computerName: string, listed: EnumeratedSession | null): UserSession | null {
  if (answers.gone(id)) return null;
  const ex = answers.value(id, 'WTSSessionInfoEx') ?? undefined;
  const info = ex ? undefined : (answers.value(id, 'WTSSessionInfo') ?? undefined);
  const details = ex ?? info ?? null;
  if (details === null && listed === null) return null;
  const rawState = ex?.SessionState ?? info?.State ?? listed?.State ?? -1;
  const State = stateName(rawState) ?? (listed ? stateName(listed.State) : null);
  if (State === null) throw new Error(`session ${id} is in state ${rawState}, which WTS_CONNECTSTATE_CLASS does not have`);
  const client = answers.value(id, 'WTSClientInfo');
  const address = client?.ClientAddress ?? answers.value(id, 'WTSClientAddress') ?? null;
  return {
    ComputerName: computerName,
    SessionId: id,
    SessionName: orNull(listed?.SessionName ?? ex?.WinStationName ?? info?.WinStationName),
    UserName: listed?.UserName ?? ex?.UserName ?? info?.UserName ?? '',
    Domain: orNull(listed?.Domain ?? ex?.DomainName ?? info?.Domain),
    State,
    Idle: details ? idleMs(details, rawState === WTSDisconnected) : null,
    LogonTime: details ? fileTimeToIso(details.LogonTime) : null,
    LastInputTime: details ? fileTimeToIso(details.LastInputTime) : null,
    ConnectTime: details ? fileTimeToIso(details.ConnectTime) : null,
    DisconnectTime: details ? fileTimeToIso(details.DisconnectTime) : null,
    ClientName: orNull(client ? client.ClientName : answers.value(id, 'WTSClientName')),
    ClientAddress: address,
    IsLocked: ex ? isLocked(ex.SessionFlags) : null,
    Protocol: protocolName(answers.value(id, 'WTSClientProtocolType') ?? null),
  };
}

/** Adds one round's answers; a computer that stopped answering fails the whole call. */
export function addRound(answers: SessionAnswers, ids: readonly number[], round: readonly Answer[]): void {
  answers.add(round);
  const lost = answers.computerLost(ids);
  if (lost !== null) throw new Win32Error(lost);
}

/**
 * Sessions as enumerated (`listed`, in order), described with both rounds on this thread: how a
 * computer that answers at once is listed (list.ts). Those that ended meanwhile are left out; a
 * computer that stopped answering fails the whole call (addRound).
 */
export function describeSessions(calls: WtsCalls, h: bigint | null, listed: readonly EnumeratedSession[], computerName: string): UserSession[] {
  const ids = listed.map((s) => s.SessionId);
  const answers = new SessionAnswers();
  addRound(answers, ids, runQueries(calls, h, firstRound(ids)));
  addRound(answers, ids, runQueries(calls, h, followUps(ids, answers)));
  const described: UserSession[] = [];
  for (const s of listed) {
    const session = assemble(answers, s.SessionId, computerName, s);
    if (session !== null) described.push(session);
  }
  return described;
}

/** One session now, with both rounds on this thread (after an action). See assemble(). */
export function describeSession(calls: WtsCalls, h: bigint | null, id: number, computerName: string, listed: EnumeratedSession | null): UserSession | null {
  const answers = new SessionAnswers();
  addRound(answers, [id], runQueries(calls, h, firstRound([id])));
  addRound(answers, [id], runQueries(calls, h, followUps([id], answers)));
  return assemble(answers, id, computerName, listed);
}
