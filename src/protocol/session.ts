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
}

/** Names one session on one computer. */
export interface SessionTarget {
  ComputerName?: string | null;
  SessionId: number;
}
