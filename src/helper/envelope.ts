/**
 * Strict JSON-RPC 2.0 envelope checks, applied before json-rpc-2.0 dispatches a request. The
 * library handles dispatch, notifications and error mapping; it does not reject every malformed
 * request the spec calls invalid (a null frame, an object id, a numeric method, scalar params).
 * Some it does reject (a "jsonrpc" other than "2.0"), with the same code and id but no reason:
 * these checks run first so that every Invalid Request answer says in error.data.reason which
 * rule the request broke (tests/helper/rpc.test.ts asserts each reason).
 */
import { JSONRPCErrorCode, createJSONRPCErrorResponse, type JSONRPCRequest, type JSONRPCResponse } from 'json-rpc-2.0';

type Checked = { ok: true; request: JSONRPCRequest } | { ok: false; response: JSONRPCResponse };

function isValidId(id: unknown): id is string | number | null {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** The id to echo in an Invalid Request answer: the request's own when it is a valid id, else null. */
function echoId(value: unknown): string | number | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as Record<string, unknown>).id;
  return isValidId(id) ? id : null;
}

export function invalidRequest(id: string | number | null, why: string): JSONRPCResponse {
  return createJSONRPCErrorResponse(id, JSONRPCErrorCode.InvalidRequest, 'Invalid Request', { reason: why });
}

export function checkEnvelope(value: unknown): Checked {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, response: invalidRequest(null, 'a request must be a JSON object') };
  }
  const r = value as Record<string, unknown>;
  const fail = (why: string): Checked => ({ ok: false, response: invalidRequest(echoId(value), why) });
  if (r.jsonrpc !== '2.0') return fail('"jsonrpc" must be exactly "2.0"');
  if (typeof r.method !== 'string') return fail('"method" must be a string');
  if ('id' in r && !isValidId(r.id)) return fail('"id" must be a string, a finite number or null');
  if ('params' in r && (typeof r.params !== 'object' || r.params === null)) {
    return fail('"params" must be an object or an array');
  }
  if ('result' in r || 'error' in r) return fail('a request carries neither "result" nor "error"');
  return { ok: true, request: r as unknown as JSONRPCRequest };
}
