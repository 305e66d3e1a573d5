/**
 * WTS values to UserSession fields: state names, lock state, protocol, which sessions are
 * "system" sessions. Pure functions.
 */
import { SESSION_STATES, type SessionState } from '../../protocol/session.ts';

/** WTS_CONNECTSTATE_CLASS values (wts-api.md 2.2). */
export const WTSDisconnected = 4;
export const WTSListen = 6;

/** WTSActive (0) -> 'Active', ... in WTS_CONNECTSTATE_CLASS order; null for a value outside the enum. */
export function stateName(state: number): SessionState | null {
  return SESSION_STATES[state] ?? null;
}

/** Listener sessions get ids from 65536 up (RDP-Tcp is 65536; others 65537+). */
const FIRST_LISTENER_ID = 65536;

/** Session 0 (services) and listener sessions: hidden unless includeSystem. */
export function isSystemSession(id: number, state: number): boolean {
  return id === 0 || state === WTSListen || id >= FIRST_LISTENER_ID;
}

/** The enumerated sessions a listing shows: all with -IncludeSystem, else those that are not the system's. */
export function shownSessions<S extends { SessionId: number; State: number }>(sessions: S[], includeSystem: boolean): S[] {
  return includeSystem ? sessions : sessions.filter((s) => !isSystemSession(s.SessionId, s.State));
}

/**
 * WTSINFOEX_LEVEL1.SessionFlags: 0 WTS_SESSIONSTATE_LOCK, 1 WTS_SESSIONSTATE_UNLOCK, anything else
 * (WTS_SESSIONSTATE_UNKNOWN, -1) not known.
 *
 * On Windows 7 / Server 2008 R2 (version 6.1) the SERVER reports the two values the other way round
 * (a documented defect). The server's version cannot be learnt through the functions this backend
 * binds (it would take NetServerGetInfo or the remote registry): Node 20 does not run on Windows
 * 7/2008 R2, so the local computer never is one, and for a remote 2008 R2 / Windows 7 host IsLocked
 * is inverted.
 */
export function isLocked(sessionFlags: number): boolean | null {
  if (sessionFlags !== 0 && sessionFlags !== 1) return null;
  return sessionFlags === 0;
}

/** WTSClientProtocolType: 0 console, 1 ICA (legacy Citrix), 2 RDP. */
export function protocolName(type: number | null): string | null {
  switch (type) {
    case 0:
      return 'Console';
    case 1:
      return 'ICA';
    case 2:
      return 'RDP';
    default:
      return null;
  }
}

/** '' (nobody, or a console with no client) is "none". */
export function orNull(s: string | null | undefined): string | null {
  return s === null || s === undefined || s === '' ? null : s;
}
