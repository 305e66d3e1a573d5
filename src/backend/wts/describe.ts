/**
 * One session as a UserSession, from the queries of WTSQuerySessionInformationW (worker side).
 *
 * A query that fails with 7022/7007 means the session ended meanwhile: the session is dropped.
 * One that fails because the computer stopped answering (1722, ...) fails the whole call. Any
 * other failure of one query (5 on some classes, 50 where a class does not exist) leaves the
 * fields it would have given unknown (null) and the session listed.
 */
import type { UserSession } from '../../protocol/session.ts';
import { Win32Error, type EnumeratedSession, type SessionInfo, type SessionInfoEx, type WtsCalls } from './calls.ts';
import { formatClientAddress } from './client-address.ts';
import { fileTimeToIso, idleMs } from './filetime.ts';
import { isLocked, orNull, protocolName, stateName, WTSDisconnected } from './session-fields.ts';
import { isComputerLost, isSessionGone } from './win32-errors.ts';

class SessionGone extends Error {}

/** The query's value; undefined when it failed for a reason that concerns only this field. */
function attempt<T>(query: () => T): T | undefined {
  try {
    return query();
  } catch (e) {
    if (!(e instanceof Win32Error)) throw e;
    if (isSessionGone(e.failure.code)) throw new SessionGone();
    if (isComputerLost(e.failure.code)) throw e;
    return undefined;
  }
}

function build(calls: WtsCalls, h: bigint | null, id: number, computerName: string, listed: EnumeratedSession | null): UserSession | null {
  // WTSSessionInfoEx (2008 R2+) has everything including the lock state; WTSSessionInfo is the
  // fallback for servers without it.
  const ex: SessionInfoEx | null | undefined = attempt(() => calls.sessionInfoEx(h, id));
  const info: SessionInfo | null | undefined = ex ? undefined : attempt(() => calls.sessionInfo(h, id));
  const details = ex ?? info ?? null;
  if (details === null && listed === null) return null; // nothing to describe it with
  const rawState = ex?.SessionState ?? info?.State ?? listed?.State ?? -1;
  const State = stateName(rawState) ?? (listed ? stateName(listed.State) : null);
  if (State === null) throw new Error(`session ${id} is in state ${rawState}, which WTS_CONNECTSTATE_CLASS does not have`);
  const address = attempt(() => calls.clientAddress(h, id));
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
    ClientName: orNull(attempt(() => calls.clientName(h, id))),
    ClientAddress: address ? formatClientAddress(address.AddressFamily, address.Address) : null,
    IsLocked: ex ? isLocked(ex.SessionFlags) : null,
    Protocol: protocolName(attempt(() => calls.clientProtocolType(h, id)) ?? null),
  };
}

/**
 * The session `id` now; null when it no longer exists (or, without `listed`, when nothing about it
 * could be read). `listed`: what the enumeration said about it, preferred for names.
 */
export function describeSession(calls: WtsCalls, h: bigint | null, id: number, computerName: string, listed: EnumeratedSession | null): UserSession | null {
  try {
    return build(calls, h, id, computerName, listed);
  } catch (e) {
    if (e instanceof SessionGone) return null;
    throw e;
  }
}
