/**
 * One checker for every method's params, driven by the method's declaration (src/protocol/
 * methods.ts): each field's kind, range, choices and text format. A mismatch is JSON-RPC "Invalid
 * params" (-32602) naming the offending member and value; nothing is touched. What passes comes
 * back with every field present, absent ones filled with their defaults.
 *
 * null: a query (which only reads) takes a member that is null as not sent; an action refuses it,
 * like any other value that is not of the member's kind: what acts is taken only as written.
 */
import { JSONRPCErrorCode, JSONRPCErrorException } from 'json-rpc-2.0';
import type { Field, TextFormat } from '../protocol/fields.ts';
import type { Method, ParamsOf } from '../protocol/method.ts';
import type { SessionTarget } from '../protocol/session.ts';
import { wildcardProblem, wildcardToRegExp } from './wildcard.ts';

/** One list may hold this many items at most (one call may name this many sessions). */
export const MAX_ITEMS = 100_000;

export function invalidParams(message: string): JSONRPCErrorException {
  return new JSONRPCErrorException(`Invalid params: ${message}`, JSONRPCErrorCode.InvalidParams);
}

/**
 * An offending value as an error names it: a string as it is, in single quotes; anything else as
 * JSON one level deep (nested arrays and objects as "..."), so that any input is cheap to show; at
 * most 200 characters.
 */
export function shown(v: unknown): string {
  const text = typeof v === 'string' ? `'${v}'` : JSON.stringify(v, (k, x: unknown) => (k !== '' && typeof x === 'object' && x !== null ? '...' : x));
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

const COMPUTER_NAME = /^[A-Za-z0-9._:%[\]-]{1,255}$/;

/** A host name, an FQDN or an address the helper can ask: at most 255 ASCII letters, digits and . _ : % [ ] -. */
export const isComputerName = (s: string): boolean => COMPUTER_NAME.test(s);

/** Each text format: its check, and how an error names what it wants. */
const FORMATS: Record<TextFormat, { what: string; ok: (s: string) => boolean }> = {
  computerName: { what: 'computer names (host names, FQDNs or addresses)', ok: isComputerName },
  wildcard: {
    what: 'wildcard patterns',
    ok: (s) => {
      try {
        wildcardToRegExp(s);
        return true;
      } catch {
        return false;
      }
    },
  },
};

const isInteger = (v: unknown, [min, max]: readonly [number, number]): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const integers = ([min, max]: readonly [number, number]): string => `integers from ${min} to ${max}`;

function list(name: string, v: unknown, what: string, ok: (item: unknown) => boolean, refuse?: (item: unknown) => string | null): unknown[] {
  if (!Array.isArray(v)) throw invalidParams(`"${name}" must be an array of ${what}`);
  if (v.length > MAX_ITEMS) throw invalidParams(`"${name}" has more than ${MAX_ITEMS} items`);
  for (const item of v) {
    const special = refuse?.(item) ?? null;
    if (special !== null) throw invalidParams(special);
    if (!ok(item)) throw invalidParams(`"${name}" must hold only ${what}; it holds ${shown(item)}`);
  }
  return v;
}

function isTarget(v: unknown, f: Field): v is SessionTarget {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const t = v as Record<string, unknown>;
  for (const key of Object.keys(t)) if (key !== 'SessionId' && key !== 'ComputerName') return false;
  const computer = t.ComputerName;
  return isInteger(t.SessionId, f.range ?? [0, 0]) && (computer === undefined || computer === null || (typeof computer === 'string' && FORMATS.computerName.ok(computer)));
}

/** The value of one field: what was sent, checked; or its default. */
function check(name: string, f: Field, v: unknown, nullIsAbsent: boolean): unknown {
  if (v === undefined || (v === null && (nullIsAbsent || f.required))) {
    if (f.required) throw invalidParams(`"${name}" is required`);
    switch (f.kind) {
      case 'flag':
        return false;
      case 'int':
        return f.default;
      case 'text':
      case 'choice':
        return null;
      default:
        return [];
    }
  }
  const range = f.range ?? [0, 0];
  const format = f.format ? FORMATS[f.format] : null;
  switch (f.kind) {
    case 'flag':
      if (typeof v !== 'boolean') throw invalidParams(`"${name}" must be a boolean`);
      return v;
    case 'int':
      if (!isInteger(v, range)) throw invalidParams(`"${name}" must be an integer from ${range[0]} to ${range[1]}`);
      return v;
    case 'intList':
      return list(name, v, integers(range), (x) => isInteger(x, range));
    case 'text':
      if (typeof v !== 'string' || (format !== null && !format.ok(v))) throw invalidParams(`"${name}" must be ${format ? `one of the ${format.what}` : 'a string'}; it is ${shown(v)}`);
      if (f.maxLength !== undefined && v.length > f.maxLength) throw invalidParams(`"${name}" is a text of ${v.length} characters, ${shown(v)}; at most ${f.maxLength} are accepted`);
      if (f.required && v === '') throw invalidParams(`"${name}" must not be empty`);
      return v;
    case 'choice':
      if (typeof v !== 'string' || !(f.choices ?? []).includes(v)) throw invalidParams(`"${name}" must be one of ${(f.choices ?? []).join(', ')}; it is ${shown(v)}`);
      return v;
    case 'textList':
      return list(name, v, 'strings', (x) => typeof x === 'string', (x) => {
        if (typeof x !== 'string') return null;
        // Before the format: a huge text is refused without being parsed, and shown cut.
        if (f.maxLength !== undefined && x.length > f.maxLength) return `"${name}" holds a text of ${x.length} characters, ${shown(x)}; at most ${f.maxLength} are accepted`;
        return format !== null && !f.formatErrorPerItem && !format.ok(x) ? formatRefusal(name, f.format as TextFormat, x) : null;
      });
    case 'choiceList': {
      const choices = f.choices ?? [];
      return list(name, v, `values out of ${choices.join(', ')}`, (x) => typeof x === 'string' && choices.includes(x));
    }
    case 'targets':
      return list(name, v, `{ SessionId: ${range[0]}..${range[1]}, ComputerName?: string } objects`, (x) => isTarget(x, f));
  }
}

/** Why a text is refused by its format, in the words each format's users know. */
function formatRefusal(name: string, format: TextFormat, value: string): string {
  if (format === 'wildcard') return `"${name}" holds ${shown(value)}, which is not a valid wildcard pattern (${wildcardProblem(value)})`;
  return `"${name}" must hold only ${FORMATS[format].what}; it holds ${shown(value)}`;
}

/** The params of `method`, checked against its declaration, with every field present. */
export function checkParams<M extends Method>(method: M, params: unknown): ParamsOf<M> {
  const given = params === undefined && !Object.values(method.params).some((f) => f.required) ? {} : params;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw invalidParams('params must be an object with named members');
  const o = given as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!Object.hasOwn(method.params, key)) throw invalidParams(`unknown member "${key}"`);
  }
  const out: Record<string, unknown> = {};
  const nullIsAbsent = method.kind !== 'action';
  for (const [name, f] of Object.entries(method.params)) out[name] = check(name, f, o[name], nullIsAbsent);
  return out as ParamsOf<M>;
}
