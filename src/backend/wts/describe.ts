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
import { Win32Error, type EnumeratedSession, type SessionInfo, type SessionInfoEx, type WtsCalls } from './calls.ts';
import { fileTimeToIso, idleMs } from './filetime.ts';
import { READ_CLASS, runQueries, type Answer, type Query, type QueryClass, type QueryValues } from './queries.ts';
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

/** What is known of one session, from whichever queries answered. */
interface Known {
  ex: SessionInfoEx | undefined;
  info: SessionInfo | undefined;
  client: QueryValues['WTSClientInfo'] | undefined;
  /** WTSClientAddress, asked where WTSClientInfo could not give the address. */
  address: string | null | undefined;
  /** WTSClientName, asked where WTSClientInfo failed. */
  clientName: string | null | undefined;
  protocol: number | null | undefined;
}

/** The UserSession of session `id` from what is known of it; null when nothing could be read and it was not enumerated. */
function build(id: number, computerName: string, listed: EnumeratedSession | null, k: Known): UserSession | null {
  const { ex, info, client } = k;
  const details = ex ?? info ?? null;
  if (details === null && listed === null) return null;
  const rawState = ex?.SessionState ?? info?.State ?? listed?.State ?? -1;
  const State = stateName(rawState) ?? (listed ? stateName(listed.State) : null);
  if (State === null) throw new Error(`session ${id} is in state ${rawState}, which WTS_CONNECTSTATE_CLASS does not have`);
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
    ClientName: orNull(client ? client.ClientName : k.clientName),
    ClientAddress: client?.ClientAddress ?? k.address ?? null,
    IsLocked: ex ? isLocked(ex.SessionFlags) : null,
    Protocol: protocolName(k.protocol ?? null),
  };
}

/**
 * The session `id` from its answers; null when it ended meanwhile, or when nothing about it could
 * be read and there is no enumeration row (`listed`, preferred for names).
 */
export function assemble(answers: SessionAnswers, id: number, computerName: string, listed: EnumeratedSession | null): UserSession | null {
  if (answers.gone(id)) return null;
  const ex = answers.value(id, 'WTSSessionInfoEx') ?? undefined;
  return build(id, computerName, listed, {
    ex,
    info: ex ? undefined : (answers.value(id, 'WTSSessionInfo') ?? undefined),
    client: answers.value(id, 'WTSClientInfo'),
    address: answers.value(id, 'WTSClientAddress'),
    clientName: answers.value(id, 'WTSClientName'),
    protocol: answers.value(id, 'WTSClientProtocolType'),
  });
}

/** Adds one round's answers; a computer that stopped answering fails the whole call. */
export function addRound(answers: SessionAnswers, ids: readonly number[], round: readonly Answer[]): void {
  answers.add(round);
  const lost = answers.computerLost(ids);
  if (lost !== null) throw new Win32Error(lost);
}

/** What one query of round 1 gave: its value, or (FAILED) a failure, kept in `failures`. */
const FAILED: unique symbol = Symbol('failed');

/**
 * Round 1 of one session on this thread: the same calls in the same order as
 * runQueries(calls, h, firstRound([id])), without its query and answer objects (thousands of
 * sessions: each object is garbage for a young generation of 1 MB, docs/wts-api.md 5.9).
 */
class RoundOne {
  /** The failures of the last session's queries, by class. */
  readonly failures = new Map<QueryClass, Win32Failure>();

  constructor(
    private readonly calls: WtsCalls,
    private readonly h: bigint | null,
  ) {}

  private ask<C extends QueryClass>(id: number, cls: C): QueryValues[C] | typeof FAILED {
    try {
      return this.calls.query(this.h, id, cls, READ_CLASS[cls]) ?? null;
    } catch (e) {
      if (!(e instanceof Win32Error)) throw e;
      this.failures.set(cls, e.failure);
      return FAILED;
    }
  }

  /**
   * Session `id`'s round 1: what is known of it when it answered whole (every query ok, the details
   * from WTSSessionInfoEx and the address from WTSClientInfo, so that round 2 asks nothing of it:
   * what followUps would say); otherwise its answers, for SessionAnswers.
   */
  run(id: number): Known | Answer[] {
    this.failures.clear();
    // FIRST_ROUND's classes, in its order.
    const ex = this.ask(id, 'WTSSessionInfoEx');
    const client = this.ask(id, 'WTSClientInfo');
    const protocol = this.ask(id, 'WTSClientProtocolType');
    if (ex !== FAILED && ex !== null && client !== FAILED && client !== null && client.ClientAddress !== undefined && protocol !== FAILED) {
      return { ex, info: undefined, client, address: undefined, clientName: undefined, protocol };
    }
    const values: Partial<Record<QueryClass, unknown>> = { WTSSessionInfoEx: ex, WTSClientInfo: client, WTSClientProtocolType: protocol };
    return FIRST_ROUND.map((cls) => {
      const failure = this.failures.get(cls);
      return (failure === undefined ? { id, cls, ok: true, value: values[cls] } : { id, cls, ok: false, failure }) as Answer;
    });
  }
}

/**
 * Sessions as enumerated (`listed`, in order), described with both rounds on this thread: how a
 * computer that answers at once is listed (list.ts). The same calls in the same order as round 1
 * then round 2 of SessionAnswers (firstRound, followUps), but a session whose three round-1
 * queries answered whole is built at once and its answers dropped: only the others are kept for
 * round 2, which keeps thousands of sessions cheap. Those that ended meanwhile are left out; a
 * computer that stopped answering fails the whole call (addRound).
 */
export function describeSessions<T = UserSession>(
  calls: WtsCalls,
  h: bigint | null,
  listed: readonly EnumeratedSession[],
  computerName: string,
  keep: (s: UserSession) => T = (s) => s as T,
): T[] {
  // Each session is handed to `keep` as soon as it is built (a caller that keeps only its text
  // leaves the object to the young generation, which need not copy and promote it).
  const described: (T | null | undefined)[] = new Array(listed.length);
  const answers = new SessionAnswers();
  const roundOne = new RoundOne(calls, h);
  const rest: number[] = [];
  listed.forEach((s, i) => {
    const round = roundOne.run(s.SessionId);
    if (!Array.isArray(round)) {
      const session = build(s.SessionId, computerName, s, round);
      described[i] = session === null ? null : keep(session);
      return;
    }
    answers.add(round);
    rest.push(i);
  });
  const ids = rest.map((i) => (listed[i] as EnumeratedSession).SessionId);
  addRound(answers, ids, []);
  addRound(answers, ids, runQueries(calls, h, followUps(ids, answers)));
  for (const i of rest) {
    const session = assemble(answers, (listed[i] as EnumeratedSession).SessionId, computerName, listed[i] as EnumeratedSession);
    described[i] = session === null ? null : keep(session);
  }
  return described.filter((s): s is T => s !== null && s !== undefined);
}

/** One session now, with both rounds on this thread (after an action). See assemble(). */
export function describeSession(calls: WtsCalls, h: bigint | null, id: number, computerName: string, listed: EnumeratedSession | null): UserSession | null {
  const answers = new SessionAnswers();
  addRound(answers, [id], runQueries(calls, h, firstRound([id])));
  addRound(answers, [id], runQueries(calls, h, followUps([id], answers)));
  return assemble(answers, id, computerName, listed);
}
