/**
 * The helper's JSON-RPC 2.0 methods: their names, parameters and results. The helper implements
 * exactly these, and the command catalog names them; codegen checks that every cmdlet's method is one.
 */
import type { SessionState, SessionTarget, UserSession } from './session.ts';
import type { TargetError } from './errors.ts';

/** Bumped whenever a method's parameters or result change shape. The module refuses another. */
export const PROTOCOL_VERSION = 1;

export interface InitializeParams {
  protocolVersion: number;
}
export interface InitializeResult {
  protocolVersion: number;
  helperVersion: string;
  platform: string;
  backend: string;
  pid: number;
}

export interface ListParams {
  /** Computers to ask; null or empty: this computer. */
  ComputerName?: string[] | null;
  /** User names; PowerShell wildcards (* ? [a-z], ` escapes) allowed; case-insensitive. */
  UserName?: string[] | null;
  Id?: number[] | null;
  State?: SessionState[] | null;
  /** Also the services session 0 and listener sessions. */
  IncludeSystem?: boolean | null;
  /** How many computers are asked at once (default 32). */
  ThrottleLimit?: number | null;
  /** How long one computer may take, in seconds (default 15). */
  TimeoutSec?: number | null;
}
export interface ListResult {
  sessions: UserSession[];
  /** One per computer that failed, and per literal user name or id that matched nothing. */
  errors: TargetError[];
}

export interface ActionParams {
  targets: SessionTarget[];
  /** Return only once each session is gone (logoff) or disconnected. */
  wait: boolean;
}
export interface ActionOutcome {
  target: SessionTarget;
  /** The session after the action, when known (for -PassThru); null when it no longer exists. */
  session: UserSession | null;
  error: TargetError | null;
}
export interface ActionResult {
  outcomes: ActionOutcome[];
}

/** Method name to [params, result]. */
export interface Methods {
  initialize: [InitializeParams, InitializeResult];
  'sessions.list': [ListParams, ListResult];
  'sessions.logoff': [ActionParams, ActionResult];
  'sessions.disconnect': [ActionParams, ActionResult];
}
export type MethodName = keyof Methods;
