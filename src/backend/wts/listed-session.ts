/**
 * This computer's sessions as they cross from the WTS worker that described them to the helper's
 * main thread: as JSON text (one string, copied once), not as an object graph for the structured
 * clone to copy member by member (the copy, and the garbage of 5,000 sessions on a thread whose
 * young generation is 1 MB, cost the main thread more than the rest of its work, docs/wts-api.md
 * 5.9). The worker writes each session's text as soon as it is described (sessionJson) and joins
 * them (sessionsText); the main thread makes a ListedSession of each (listedSessions), which the
 * answer writer (src/helper/answer-text.ts) writes as that text.
 */
import { SESSION_STATES, type SessionState, type UserSession } from '../../protocol/session.ts';
import { JSON_TEXT, type HasJsonText } from '../../protocol/json-text.ts';

/** The sessions of one describe task, as the worker answers them. */
export interface SessionsText {
  /** JSON.stringify's text of each session, joined by commas. */
  text: string;
  /** Where each session's text ends in `text`. */
  ends: Uint32Array;
  /** What the helper filters and marks by, without reading the text: SessionId, State (its index in SESSION_STATES), UserName. */
  ids: Uint32Array;
  states: Uint8Array;
  users: string[];
  /** The ComputerName of every one of them (a task describes sessions of one computer). */
  computerName: string;
}

/** One described session as the worker keeps it until its task answers: its text, and what the helper reads without it. */
export interface SessionJson {
  text: string;
  id: number;
  state: number;
  user: string;
  computerName: string;
}

/** A session's text at once (describeSessions' `keep`), so that the worker keeps no object graph of it. A session must not carry IsCurrent: the helper sets it. */
export function sessionJson(s: UserSession): SessionJson {
  if (s.IsCurrent !== undefined) throw new Error('a described session carries IsCurrent, which only the helper sets');
  return { text: JSON.stringify(s), id: s.SessionId, state: SESSION_STATES.indexOf(s.State), user: s.UserName, computerName: s.ComputerName };
}

/** The text of described sessions (worker side), from their sessionJson. */
export function sessionsText(sessions: readonly SessionJson[]): SessionsText {
  const n = sessions.length;
  const out: SessionsText = { text: '', ends: new Uint32Array(n), ids: new Uint32Array(n), states: new Uint8Array(n), users: new Array<string>(n), computerName: sessions[0]?.computerName ?? '' };
  const texts = new Array<string>(n);
  let end = 0;
  for (let i = 0; i < n; i++) {
    const s = sessions[i] as SessionJson;
    if (s.computerName !== out.computerName) throw new Error(`sessions of ${out.computerName} and ${s.computerName} described together`);
    texts[i] = s.text;
    end += s.text.length;
    out.ends[i] = end;
    end += 1; // the comma between two sessions
    out.ids[i] = s.id;
    out.states[i] = s.state;
    out.users[i] = s.user;
  }
  out.text = texts.join(',');
  return out;
}

/** The members a ListedSession reads from its text, when first asked for. */
const PARSED = ['SessionName', 'Domain', 'Idle', 'LogonTime', 'LastInputTime', 'ConnectTime', 'DisconnectTime', 'ClientName', 'ClientAddress', 'IsLocked', 'Protocol'] as const;

/** The members of ListedSession that the getters of its static block define. */
export interface ListedSession extends Readonly<Pick<UserSession, (typeof PARSED)[number]>> {}

/**
 * One session of this computer's listing, held as its JSON text. SessionId, State, UserName and
 * ComputerName (what the helper filters and marks by) are at hand; the other members are read from
 * the text when first asked for. Only IsCurrent can be set (the helper marks each session); the
 * others are read-only, so the text never goes stale. JSON.stringify writes the same text
 * (toJSON), members in UserSession's order, IsCurrent last.
 */
export class ListedSession implements UserSession, HasJsonText {
  IsCurrent?: boolean;
  readonly #text: string;
  readonly #id: number;
  readonly #state: SessionState;
  readonly #user: string;
  readonly #computer: string;
  #all: UserSession | undefined;

  constructor(text: string, id: number, state: SessionState, user: string, computer: string) {
    this.#text = text;
    this.#id = id;
    this.#state = state;
    this.#user = user;
    this.#computer = computer;
  }

  private all(): UserSession {
    return (this.#all ??= JSON.parse(this.#text) as UserSession);
  }

  get ComputerName(): string {
    return this.#computer;
  }
  get SessionId(): number {
    return this.#id;
  }
  get State(): SessionState {
    return this.#state;
  }
  get UserName(): string {
    return this.#user;
  }
  static {
    // The members read from the text: a getter each on the prototype (no setter: read-only).
    for (const key of PARSED) {
      Object.defineProperty(ListedSession.prototype, key, {
        get(this: ListedSession) {
          return this.all()[key];
        },
        configurable: true,
      });
    }
  }

  /** The plain session, as the text holds it, with IsCurrent when set. */
  toJSON(): UserSession {
    return this.IsCurrent === undefined ? { ...this.all() } : { ...this.all(), IsCurrent: this.IsCurrent };
  }

  [JSON_TEXT](): string {
    if (this.IsCurrent === undefined) return this.#text;
    return `${this.#text.slice(0, -1)},"IsCurrent":${this.IsCurrent ? 'true' : 'false'}}`;
  }
}

/** The ListedSessions of one task's answer (main thread): each a slice of the one text. */
export function listedSessions(t: SessionsText): ListedSession[] {
  const n = t.ends.length;
  const out = new Array<ListedSession>(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = t.ends[i] as number;
    const state = SESSION_STATES[t.states[i] as number];
    if (state === undefined) throw new Error(`a described session has the state index ${t.states[i]}`);
    out[i] = new ListedSession(t.text.slice(start, end), t.ids[i] as number, state, t.users[i] as string, t.computerName);
    start = end + 1; // past the comma between two sessions
  }
  return out;
}
