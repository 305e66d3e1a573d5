/**
 * The kinds of value a method's parameter holds, as values. Each says what the wire carries, its
 * range, choices or text format, its default and whether it is required. One declaration serves
 * every reader: the helper checks params with it (src/helper/validate.ts), codegen turns it into a
 * PowerShell parameter and into the compiled client's tables, and TypeScript infers from it the
 * params a handler receives (ValueOf).
 */
import type { SessionTarget } from './session.ts';

/** Text the helper checks beyond "a string" (validate.ts holds each check). */
export type TextFormat =
  /** A host name, an FQDN, an IPv4 or IPv6 address; no path or UNC prefix. */
  | 'computerName'
  /** A PowerShell wildcard pattern (* ? [a-z], ` escapes) that compiles. */
  | 'wildcard';

export type FieldKind = 'flag' | 'int' | 'intList' | 'text' | 'textList' | 'choice' | 'choiceList' | 'targets';

/**
 * One parameter of a method. `V` is the value a handler receives: what was sent, or the default
 * when nothing was (false for a flag, [] for a list, `default` for an int, null for a text).
 */
export interface Field<K extends FieldKind = FieldKind, V = unknown> {
  readonly kind: K;
  /** Refused when absent or null. */
  readonly required: boolean;
  /** int and intList: the smallest and largest value accepted. */
  readonly range?: readonly [number, number];
  /** int: the value when none is sent (also the cmdlet parameter's default). */
  readonly default?: number;
  /** text and textList: a check beyond "a string". */
  readonly format?: TextFormat;
  /** text and textList: the most characters one text may have (PowerShell: ValidateLength). */
  readonly maxLength?: number;
  /**
   * textList: an item that fails `format` does not make the request invalid; it is that item's
   * own error, which the method's handler reports (a computer name: that computer's error).
   */
  readonly formatErrorPerItem?: boolean;
  /** choice and choiceList: the values accepted, exactly as spelled, and what they are called (SessionState). */
  readonly choices?: readonly string[];
  readonly choiceName?: string;
  /** Type only (never set): the value a handler receives. */
  readonly value?: V;
}

export type ValueOf<F> = F extends Field<FieldKind, infer V> ? V : never;

/** The widest 32-bit id: Windows session ids (DWORD, never above INT32_MAX in practice) and Linux pids. */
export const INT32_MAX = 2 ** 31 - 1;

/** On or off; absent is off. PowerShell: a [switch]. */
export function flag(): Field<'flag', boolean> {
  return { kind: 'flag', required: false };
}

/** An integer within `range`; absent is `default`. PowerShell: [int] with ValidateRange and that default. */
export function int(o: { range: readonly [number, number]; default: number }): Field<'int', number>;
/** An integer within `range` that must be sent (no PowerShell parameter can leave it out). */
export function int(o: { range: readonly [number, number]; required: true }): Field<'int', number>;
export function int(o: { range: readonly [number, number]; default?: number; required?: true }): Field<'int', number> {
  return o.required ? { kind: 'int', required: true, range: o.range } : { kind: 'int', required: false, range: o.range, default: o.default as number };
}

/** Integers within `range`; absent is []. PowerShell: [int[]] with ValidateRange. */
export function intList(o: { range: readonly [number, number] }): Field<'intList', number[]> {
  return { kind: 'intList', required: false, range: o.range };
}

/** One text; absent is null. PowerShell: [string] with ValidateNotNullOrEmpty (and ValidateLength with `maxLength`). */
export function text(o: { format?: TextFormat; maxLength?: number } = {}): Field<'text', string | null> {
  return { kind: 'text', required: false, ...(o.format ? { format: o.format } : {}), ...(o.maxLength ? { maxLength: o.maxLength } : {}) };
}

/** One text that must be sent (a mandatory [string] parameter). */
export function requiredText(o: { maxLength?: number } = {}): Field<'text', string> {
  return { kind: 'text', required: true, ...(o.maxLength ? { maxLength: o.maxLength } : {}) };
}

/** One value out of `choices`, which are called `name`; absent is null. PowerShell: [string] with ValidateSet. */
export function choice<const C extends readonly string[]>(name: string, choices: C): Field<'choice', C[number] | null> {
  return { kind: 'choice', required: false, choices, choiceName: name };
}

/**
 * Texts; absent is []. PowerShell: [string[]] with ValidateNotNullOrEmpty (SupportsWildcards for
 * 'wildcard'), and ValidateLength with `maxLength`.
 */
export function textList(o: { format?: TextFormat; maxLength?: number; formatErrorPerItem?: boolean } = {}): Field<'textList', string[]> {
  return {
    kind: 'textList',
    required: false,
    ...(o.format ? { format: o.format } : {}),
    ...(o.maxLength ? { maxLength: o.maxLength } : {}),
    ...(o.formatErrorPerItem ? { formatErrorPerItem: true } : {}),
  };
}

/** Values out of `choices`, which are called `name`; absent is []. PowerShell: [string[]] with ValidateSet. */
export function choiceList<const C extends readonly string[]>(name: string, choices: C): Field<'choiceList', C[number][]> {
  return { kind: 'choiceList', required: false, choices, choiceName: name };
}

/**
 * The sessions an action acts on: { SessionId, ComputerName? } objects, required. A cmdlet fills
 * it from its pipeline objects or its -Id and -ComputerName (src/catalog/schema.ts, roles).
 */
export function targets(): Field<'targets', SessionTarget[]> {
  return { kind: 'targets', required: true, range: [0, INT32_MAX], format: 'computerName' };
}
