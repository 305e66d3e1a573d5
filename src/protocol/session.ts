/**
 * The objects that cross the wire between the helper and PowerShell.
 *
 * One source of truth: the helper returns these, and codegen/ reads them (with ts-morph) to emit
 * the PowerShell that turns each one into a SessionTools.UserSession object. Property names are the
 * PowerShell property names. Two type aliases tell codegen how to convert a value:
 * - DurationMs: milliseconds, surfaced as [SessionTools.Duration];
 * - IsoDateTime: an ISO-8601 UTC instant ("2026-11-23T13:16:35.000Z"), surfaced as [datetime] (UTC).
 */

/** Milliseconds; PowerShell sees a [SessionTools.Duration]. */
export type DurationMs = number;

/** An ISO-8601 instant in UTC; PowerShell sees a [datetime] of kind Utc. */
export type IsoDateTime = string;

/** Connection states, named as the WTS_CONNECTSTATE_CLASS values are (WTSActive -> Active). */
export const SESSION_STATES = [
  'Active',
  'Connected',
  'ConnectQuery',
  'Shadow',
  'Disconnected',
  'Idle',
  'Listen',
  'Reset',
  'Down',
  'Init',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** One user session on one computer. */
export interface UserSession {
  /** The computer the session is on, as the caller named it (the local host name when local). */
  ComputerName: string;
  /** Windows: the WTS session id. Linux: the process id of the session leader. */
  SessionId: number;
  /** Windows: the WinStation name (Console, RDP-Tcp#3). Linux: the terminal (pts/0). */
  SessionName: string | null;
  /** The user name, without domain. */
  UserName: string;
  /** The user's domain; null where there is none (Linux). */
  Domain: string | null;
  /** The connection state. */
  State: SessionState;
  /** Time since the last input (since the disconnect, for a disconnected session); null when not known. */
  Idle: DurationMs | null;
  /** When the user logged on; null when it is not known. */
  LogonTime: IsoDateTime | null;
  /** The last keyboard or mouse input (Linux: the terminal's last read); null when not known. */
  LastInputTime: IsoDateTime | null;
  /** When the client last connected; null when not known. */
  ConnectTime: IsoDateTime | null;
  /** When the session was last disconnected; null when never. */
  DisconnectTime: IsoDateTime | null;
  /** The client's host name; null for a local session. */
  ClientName: string | null;
  /** The client's IPv4 or IPv6 address; null for a local session. */
  ClientAddress: string | null;
  /** Whether the session's desktop is locked; null when not known (always on Linux). */
  IsLocked: boolean | null;
  /** How the session is connected: Console, RDP, ICA, or null when not known. */
  Protocol: string | null;
  /**
   * Whether this is the session PowerShell itself runs in (Get-UserSession -Current). Backends
   * leave it out; the helper sets it on every session it answers with (src/helper/current.ts).
   */
  IsCurrent?: boolean;
}

/** Names one session on one computer. */
export interface SessionTarget {
  ComputerName?: string | null;
  SessionId: number;
}

/**
 * The buttons of a message (Send-UserSessionMessage -Buttons), named as the MessageBox styles
 * MB_OK .. MB_CANCELTRYCONTINUE are (their values are the WTSSendMessageW Style, wts-api.md 4.4).
 */
export const MESSAGE_BUTTONS = ['OK', 'OKCancel', 'AbortRetryIgnore', 'YesNoCancel', 'YesNo', 'RetryCancel', 'CancelTryContinue'] as const;
export type MessageButtons = (typeof MESSAGE_BUTTONS)[number];

/**
 * What the user answered, named as the MessageBox results IDOK .. IDCONTINUE are; Timeout: nobody
 * answered within -TimeoutSec (IDTIMEOUT); Async: the message was shown without waiting for an
 * answer (IDASYNC, and always on Linux, where a terminal cannot answer).
 */
export const MESSAGE_ANSWERS = ['Ok', 'Cancel', 'Abort', 'Retry', 'Ignore', 'Yes', 'No', 'TryAgain', 'Continue', 'Timeout', 'Async'] as const;
export type MessageAnswer = (typeof MESSAGE_ANSWERS)[number];

/** The answer of one session to a message. */
export interface SessionMessage {
  /** The computer the session is on, as the caller named it (the local host name when local). */
  ComputerName: string;
  /** The session the message was sent to. */
  SessionId: number;
  /** The user of the session when the message was sent; null when not known. */
  UserName: string | null;
  /** The button the user chose (Ok, Cancel, Yes, No, ...), Timeout, or Async when no answer was awaited. */
  Answer: MessageAnswer;
}
