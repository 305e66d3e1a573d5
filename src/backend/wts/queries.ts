/**
 * The per-session WTSQuerySessionInformationW queries (worker side), each reduced to the plain
 * value the description needs (describe.ts), so that a batch of them can run on any worker and
 * its answers cross back to the main thread. A query that fails answers its Win32 failure; the
 * description decides what the failure means (wts-api.md 2.3, 4.1).
 */
import { READ, Win32Error, type SessionInfo, type SessionInfoEx, type WtsCalls } from './calls.ts';
import { clientInfoAddress, formatClientAddress } from './client-address.ts';
import type { Win32Failure } from './win32-errors.ts';

/** What each query class gives, as it crosses threads. */
export interface QueryValues {
  WTSSessionInfoEx: SessionInfoEx | null;
  WTSSessionInfo: SessionInfo | null;
  /** ClientAddress undefined: the family's text form is not readable here; ask WTSClientAddress. */
  WTSClientInfo: { ClientName: string; ClientAddress: string | null | undefined } | null;
  WTSClientName: string | null;
  WTSClientAddress: string | null;
  WTSClientProtocolType: number | null;
}

export type QueryClass = keyof QueryValues;

export interface Query {
  id: number;
  cls: QueryClass;
}

export type Answer = { [C in QueryClass]: { id: number; cls: C } & ({ ok: true; value: QueryValues[C] } | { ok: false; failure: Win32Failure }) }[QueryClass];

/**
 * Each class's buffer, read into the value that crosses threads (the caller frees the buffer): the
 * same for the synchronous calls of a worker and the asynchronous ones of async-calls.ts.
 */
export const READ_CLASS: { [C in QueryClass]: (p: bigint, bytes: number) => QueryValues[C] } = {
  WTSSessionInfoEx: READ.sessionInfoEx,
  WTSSessionInfo: READ.sessionInfo,
  WTSClientInfo: (p, n) => {
    const info = READ.clientInfo(p, n);
    return { ClientName: info.ClientName, ClientAddress: clientInfoAddress(info.ClientAddressFamily, info.ClientAddress) };
  },
  WTSClientName: READ.clientName,
  WTSClientAddress: (p, n) => {
    const address = READ.clientAddress(p, n);
    return formatClientAddress(address.AddressFamily, address.Address);
  },
  WTSClientProtocolType: READ.clientProtocolType,
};

function answer<C extends QueryClass>(calls: WtsCalls, h: bigint | null, id: number, cls: C): Answer {
  try {
    return { id, cls, ok: true, value: calls.query(h, id, cls, READ_CLASS[cls]) ?? null } as Answer;
  } catch (e) {
    if (e instanceof Win32Error) return { id, cls, ok: false, failure: e.failure };
    throw e;
  }
}

/** Runs the queries one after another on this thread's server handle `h`; one answer each, in order. */
export function runQueries(calls: WtsCalls, h: bigint | null, queries: readonly Query[]): Answer[] {
  return queries.map((q) => answer(calls, h, q.id, q.cls));
}
