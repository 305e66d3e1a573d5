/**
 * The helper's JSON-RPC 2.0 methods, each declared once (method.ts). The helper serves exactly
 * these (src/helper/methods.ts); each cmdlet of src/catalog/ names one, and has one parameter per
 * field of it but the targets: the JSDoc of a field is that parameter's help.
 */
import { choice, choiceList, flag, int, INT32_MAX, intList, requiredText, targets, text, textList } from './fields.ts';
import { defineMethod, type Method } from './method.ts';
import { MESSAGE_BUTTONS, SESSION_STATES } from './session.ts';

/** Bumped whenever a method's parameters or result change shape. The module refuses another. */
export const PROTOCOL_VERSION = 2;

/** The first call on every helper: both ends must speak PROTOCOL_VERSION. */
export const Initialize = defineMethod({
  name: 'initialize',
  kind: 'handshake',
  output: null,
  params: {
    /** The protocol version the client speaks. */
    ProtocolVersion: int({ range: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], required: true }),
    /** Whether the client shows progress: then a request running over a second reports it (src/helper/progress.ts). */
    Progress: flag(),
  },
  timeout: { seconds: 15 },
});

/**
 * The longest -UserName (one name or pattern): far above any user name a session can hold (Linux
 * utmp keeps 32 bytes, ut_user; Windows WTS user names are at most 20 characters, USERNAME_LENGTH
 * in wtsapi32.h), yet short enough that a pattern costs nothing to match and to show in an error.
 */
export const USER_NAME_MAX = 256;

/**
 * The longest -ComputerName the cmdlet takes. No computer name is longer than 255 characters (DNS,
 * RFC 1035 2.3.4), but a longer one that passes here is that computer's own error (InvalidArgument)
 * and the other computers are answered; only what is absurdly long is refused for the whole call.
 */
export const COMPUTER_NAME_ARG_MAX = 1024;

export const ListSessions = defineMethod({
  name: 'sessions.list',
  kind: 'query',
  output: 'UserSession',
  params: {
    /** Only the sessions of these users. Wildcards are allowed; case does not matter. */
    UserName: textList({ format: 'wildcard', maxLength: USER_NAME_MAX }),
    /** Only the sessions with these ids (on Linux, the session leader's process id). */
    Id: intList({ range: [0, INT32_MAX] }),
    /** Only the sessions in these states (Active, Disconnected, ...). */
    State: choiceList('SessionState', SESSION_STATES),
    /** The computers to ask (Windows: by name or address, through the RDS RPC interface); default: this computer. */
    ComputerName: textList({ format: 'computerName', formatErrorPerItem: true, maxLength: COMPUTER_NAME_ARG_MAX }),
    /** Also list the services session (0) and listener sessions (RDP-Tcp), which hold no user. */
    IncludeSystem: flag(),
    /** Only the session this PowerShell runs in (IsCurrent): on this computer, never on another. */
    Current: flag(),
    // The default was chosen by measurement (bench/windows.ts: 500 hosts at 50 ms a call, docs/wts-api.md 5.9).
    /** How many computers are asked at the same time. */
    ThrottleLimit: int({ range: [1, 1024], default: 256 }),
    /** How many seconds one computer may take before it is reported as timed out. */
    TimeoutSec: int({ range: [1, 3600], default: 15 }),
  },
  // Many computers take up to one TimeoutSec per round of ThrottleLimit computers.
  timeout: { seconds: 30, perRound: { rounds: { items: 'ComputerName', size: 'ThrottleLimit' }, each: 'TimeoutSec', plus: 15 } },
});

export const LogoffSessions = defineMethod({
  name: 'sessions.logoff',
  kind: 'action',
  output: 'UserSession',
  params: {
    Targets: targets(),
    /** Return only once each session is gone. */
    Wait: flag(),
  },
  // Waiting for sessions to end may take the backend's whole escalation.
  timeout: { seconds: 30, whenFlag: { field: 'Wait', seconds: 120 } },
});

export const DisconnectSessions = defineMethod({
  name: 'sessions.disconnect',
  kind: 'action',
  output: 'UserSession',
  params: {
    Targets: targets(),
    /** Return only once each session is disconnected. */
    Wait: flag(),
  },
  timeout: { seconds: 30, whenFlag: { field: 'Wait', seconds: 120 } },
});

/**
 * Locks sessions. Windows can lock only the session the caller runs in (LockWorkStation); every
 * other session, and every Linux session, is that target's NotSupportedOnPlatform error.
 */
export const LockSessions = defineMethod({
  name: 'sessions.lock',
  kind: 'action',
  output: 'UserSession',
  params: {
    Targets: targets(),
  },
  timeout: { seconds: 30 },
});

/**
 * The processes of sessions (Get-UserSessionProcess): a query about targets, each session named as
 * an action names it; a session that does not exist is its SessionNotFound error.
 */
export const ListSessionProcesses = defineMethod({
  name: 'sessions.processes',
  kind: 'query',
  output: 'SessionProcess',
  params: {
    Targets: targets(),
  },
  timeout: { seconds: 30 },
});

/** The most characters of a message's -Title and -Text (a message box shows far less; a terminal scrolls). */
export const MESSAGE_TEXT_MAX = 4096;

export const SendMessage = defineMethod({
  name: 'sessions.message',
  kind: 'action',
  output: 'SessionMessage',
  params: {
    Targets: targets(),
    /** The text to show. On Linux it is written to the session's terminal, as write(1) does. */
    Text: requiredText({ maxLength: MESSAGE_TEXT_MAX }),
    /** The title of the message box (Windows); on Linux the first line of the banner. Default: the module's name. */
    Title: text({ maxLength: MESSAGE_TEXT_MAX }),
    /** The buttons of the message box: OK (the default), OKCancel, YesNo, YesNoCancel, RetryCancel, AbortRetryIgnore or CancelTryContinue. Linux terminals take only OK. */
    Buttons: choice('MessageButtons', MESSAGE_BUTTONS),
    /** How many seconds the message box stays open waiting for an answer; past it the answer is Timeout (Windows). */
    TimeoutSec: int({ range: [1, 86400], default: 60 }),
    /** Wait for each user's answer (up to -TimeoutSec) and write it; without -Wait the answer is Async. */
    Wait: flag(),
  },
  // With -Wait each session may take its whole TimeoutSec; the sessions are asked at the same time.
  timeout: { seconds: 30, perRound: { each: 'TimeoutSec', plus: 30 } },
});

/** Every method, in the order the helper registers them. */
export const METHODS = [Initialize, ListSessions, LogoffSessions, DisconnectSessions, LockSessions, ListSessionProcesses, SendMessage] as const;

export type AnyMethod = (typeof METHODS)[number];
export type ActionMethod = Extract<AnyMethod, Method<string, 'action'>>;
export type MethodName = AnyMethod['name'];
