/**
 * How an RPC method is declared: one value (in the manner of vscode-languageserver-node's
 * `new RequestType<P, R, E>(method)`) that carries its name, its parameters as fields
 * (fields.ts), what it returns, whether it only reads (query) or changes something (action), and
 * how long the client waits for it. The helper registers and checks every method from these values;
 * codegen derives the cmdlets' parameters and the compiled client's tables from them.
 *
 * Wire casing: every member the protocol defines is PascalCase (params, results, sessions,
 * errors), because each one is a PowerShell parameter or property of the same name; only the
 * JSON-RPC 2.0 envelope (jsonrpc, id, method, params, result, error) is lower case, as the spec
 * spells it.
 */
import type { TargetError } from './errors.ts';
import type { Field, ValueOf } from './fields.ts';
import type { SessionProcess } from './process.ts';
import type { SessionMessage, SessionTarget, UserSession } from './session.ts';

/**
 * handshake: `initialize`, the first call on every helper. query: only reads; a client may send it
 * again to a new helper when the first died before answering. action: changes something; never
 * sent twice.
 */
export type MethodKind = 'handshake' | 'query' | 'action';

/** The objects a query lists and an action reports on, by name: interfaces codegen compiles to .NET. */
export interface WireTypes {
  UserSession: UserSession;
  SessionMessage: SessionMessage;
  SessionProcess: SessionProcess;
}
export type WireTypeName = keyof WireTypes;

/** What a query answers: the objects found, and one error per computer or literal name that failed. */
export interface QueryResult<T> {
  Items: T[];
  Errors: TargetError[];
}

/** What an action answers about one target, in the order the targets were sent. */
export interface Outcome<T> {
  Target: SessionTarget;
  /** The object after the action (for -PassThru); null when it no longer exists or is not known. */
  Item: T | null;
  /** null: done. */
  Error: TargetError | null;
}
export interface ActionResult<T> {
  Outcomes: Outcome<T>[];
}

export interface HandshakeResult {
  ProtocolVersion: number;
  HelperVersion: string;
  Platform: string;
  Backend: string;
  Pid: number;
}

/**
 * How long the client waits for the answer, in seconds: `seconds`; with the flag `whenFlag.field`
 * on, `whenFlag.seconds`; and never less than one `perRound.each` per round of `perRound.rounds.size`
 * items of `perRound.rounds.items`, plus `perRound.plus` (many computers, ThrottleLimit at a time;
 * without `rounds`, one round: a field of seconds that each computer may take, all at once). A
 * field's value is its default when it is not sent. SESSIONTOOLS_RPC_TIMEOUT_SECONDS replaces the
 * result.
 */
export interface TimeoutPolicy<F extends string = string> {
  seconds: number;
  whenFlag?: { field: F; seconds: number };
  perRound?: { rounds?: { items: F; size: F }; each: F; plus: number };
}

export type Params = Record<string, Field>;

export interface Method<N extends string = string, K extends MethodKind = MethodKind, P extends Params = Params, O extends WireTypeName | null = WireTypeName | null> {
  readonly name: N;
  readonly kind: K;
  readonly params: P;
  /** query and action: the type of the objects in Items / Outcome.Item. */
  readonly output: O;
  readonly timeout: TimeoutPolicy;
}

/** Declares a method; the identity at run time, precise types for TypeScript (the timeout names its own fields). */
export function defineMethod<const N extends string, const K extends MethodKind, const P extends Params, const O extends WireTypeName | null>(
  decl: Method<N, K, P, O> & { readonly timeout: TimeoutPolicy<keyof P & string> },
): Method<N, K, P, O> {
  return decl;
}

/** The params a handler receives: every field, absent ones filled with their defaults. */
export type ParamsOf<M extends Method> = { -readonly [F in keyof M['params']]: ValueOf<M['params'][F]> };

type Output<M extends Method> = M['output'] extends WireTypeName ? WireTypes[M['output']] : never;
export type ItemOf<M extends Method> = Output<M>;

export type ResultOf<M extends Method> = M['kind'] extends 'query'
  ? QueryResult<Output<M>>
  : M['kind'] extends 'action'
    ? ActionResult<Output<M>>
    : HandshakeResult;
