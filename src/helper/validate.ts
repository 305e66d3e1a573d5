/**
 * Checks each method's params against its declaration in src/protocol/rpc.ts before anything runs.
 * A mismatch is JSON-RPC "Invalid params" (-32602) naming the offending field; nothing is touched.
 */
import { JSONRPCErrorCode, JSONRPCErrorException } from 'json-rpc-2.0';
import { SESSION_STATES, type SessionState, type SessionTarget } from '../protocol/session.ts';
import type { ActionParams, InitializeParams, ListParams } from '../protocol/rpc.ts';
import { GetUserSession } from '../catalog/commands.ts';
import { wildcardToRegExp } from './wildcard.ts';

/** Session ids are 32-bit on Windows (DWORD, but never above INT32_MAX in practice) and pids on Linux. */
const MAX_SESSION_ID = 2 ** 31 - 1;
/** One call may name this many sessions at most. */
export const MAX_TARGETS = 100_000;

export function invalidParams(message: string): JSONRPCErrorException {
  return new JSONRPCErrorException(`Invalid params: ${message}`, JSONRPCErrorCode.InvalidParams);
}

function asObject(params: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalidParams('params must be an object with named members');
  }
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw invalidParams(`unknown member "${key}"`);
  }
  return params as Record<string, unknown>;
}

function isSessionId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SESSION_ID;
}

function optionalArray<T>(obj: Record<string, unknown>, key: string, check: (v: unknown) => v is T, what: string): T[] | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw invalidParams(`"${key}" must be an array of ${what}`);
  if (v.length > MAX_TARGETS) throw invalidParams(`"${key}" has more than ${MAX_TARGETS} items`);
  for (const item of v) if (!check(item)) throw invalidParams(`"${key}" must hold only ${what}; it holds ${shown(item)}`);
  return v as T[];
}

/**
 * An offending value as an error names it: a string as it is, in single quotes; anything else as
 * JSON one level deep (nested arrays and objects as "..."), so that any input is cheap to show; at
 * most 200 characters.
 */
function shown(v: unknown): string {
  const text = typeof v === 'string' ? `'${v}'` : JSON.stringify(v, (k, x: unknown) => (k !== '' && typeof x === 'object' && x !== null ? '...' : x));
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isState = (v: unknown): v is SessionState => typeof v === 'string' && (SESSION_STATES as readonly string[]).includes(v);

export function checkInitialize(params: unknown): InitializeParams {
  const o = asObject(params, ['protocolVersion']);
  if (typeof o.protocolVersion !== 'number' || !Number.isInteger(o.protocolVersion)) {
    throw invalidParams('"protocolVersion" must be an integer');
  }
  return { protocolVersion: o.protocolVersion };
}

/** A computer name: a host name, an FQDN, an IPv4 or IPv6 address; no path or UNC prefix. */
const isComputerName = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9._:%\[\]-]{1,255}$/.test(v);

function optionalInteger(o: Record<string, unknown>, key: string, min: number, max: number): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidParams(`"${key}" must be an integer from ${min} to ${max}`);
  }
  return v;
}

export function checkList(params: unknown): ListParams {
  const o = asObject(params ?? {}, ['ComputerName', 'UserName', 'Id', 'State', 'IncludeSystem', 'ThrottleLimit', 'TimeoutSec']);
  if (o.IncludeSystem !== undefined && o.IncludeSystem !== null && typeof o.IncludeSystem !== 'boolean') {
    throw invalidParams('"IncludeSystem" must be a boolean');
  }
  const userNames = optionalArray(o, 'UserName', isString, 'strings');
  for (const pattern of userNames ?? []) {
    try {
      wildcardToRegExp(pattern);
    } catch {
      throw invalidParams(`"UserName" holds '${pattern}', which is not a valid wildcard pattern (a range such as [z-a] runs backwards?)`);
    }
  }
  return {
    ComputerName: optionalArray(o, 'ComputerName', isComputerName, 'computer names (host names, FQDNs or addresses)'),
    UserName: userNames,
    Id: optionalArray(o, 'Id', isSessionId, `integers from 0 to ${MAX_SESSION_ID}`),
    State: optionalArray(o, 'State', isState, `states (${SESSION_STATES.join(', ')})`),
    IncludeSystem: o.IncludeSystem === true,
    ThrottleLimit: optionalInteger(o, 'ThrottleLimit', ...GetUserSession.parameters.ThrottleLimit.range),
    TimeoutSec: optionalInteger(o, 'TimeoutSec', ...GetUserSession.parameters.TimeoutSec.range),
  };
}

function isTarget(v: unknown): v is SessionTarget {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const t = v as Record<string, unknown>;
  for (const key of Object.keys(t)) if (key !== 'SessionId' && key !== 'ComputerName') return false;
  return isSessionId(t.SessionId) && (t.ComputerName === undefined || t.ComputerName === null || isComputerName(t.ComputerName));
}

export function checkAction(params: unknown): ActionParams {
  const o = asObject(params, ['targets', 'wait']);
  const targets = optionalArray(o, 'targets', isTarget, `{ SessionId: 0..${MAX_SESSION_ID}, ComputerName?: string } objects`);
  if (targets === null) throw invalidParams('"targets" is required');
  if (o.wait !== undefined && typeof o.wait !== 'boolean') throw invalidParams('"wait" must be a boolean');
  return { targets, wait: o.wait === true };
}
