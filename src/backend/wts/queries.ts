/**
 * The per-session WTSQuerySessionInformationW queries (worker side), each reduced to the plain
 * value the description needs (describe.ts), so that a batch of them can run on any worker and
 * its answers cross back to the main thread. A query that fails answers its Win32 failure; the
 * description decides what the failure means (wts-api.md 2.3, 4.1).
 */
import { Win32Error, type SessionInfo, type SessionInfoEx, type WtsCalls } from './calls.ts';
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

const RUN: { [C in QueryClass]: (calls: WtsCalls, h: bigint | null, id: number) => QueryValues[C] } = {
  WTSSessionInfoEx: (calls, h, id) => calls.sessionInfoEx(h, id),
  WTSSessionInfo: (calls, h, id) => calls.sessionInfo(h, id),
  WTSClientInfo: (calls, h, id) => {
    const info = calls.clientInfo(h, id);
    return info && { ClientName: info.ClientName, ClientAddress: clientInfoAddress(info.ClientAddressFamily, info.ClientAddress) };
  },
  WTSClientName: (calls, h, id) => calls.clientName(h, id),
  WTSClientAddress: (calls, h, id) => {
    const address = calls.clientAddress(h, id);
    return address && formatClientAddress(address.AddressFamily, address.Address);
  },
  WTSClientProtocolType: (calls, h, id) => calls.clientProtocolType(h, id),
};

function answer<C extends QueryClass>(calls: WtsCalls, h: bigint | null, id: number, cls: C): Answer {
  try {
    return { id, cls, ok: true, value: RUN[cls](calls, h, id) } as Answer;
  } catch (e) {
    if (e instanceof Win32Error) return { id, cls, ok: false, failure: e.failure };
    throw e;
  }
}

/** Runs the queries one after another on this thread's server handle `h`; one answer each, in order. */
export function runQueries(calls: WtsCalls, h: bigint | null, queries: readonly Query[]): Answer[] {
  return queries.map((q) => answer(calls, h, q.id, q.cls));
}
