/**
 * The text of an answer: what JSON.stringify writes for it, except that objects holding their own
 * JSON text (src/protocol/json-text.ts: the sessions of this computer's WTS listing, serialized on
 * the worker that described them) are written as that text, so that thousands of sessions are
 * neither copied to this thread as objects nor serialized again here. Only plain objects and
 * arrays on the way to them are walked; an array with none of them in it, and every other value,
 * is JSON.stringify's own (so the text is byte for byte JSON.stringify's: answer-text.test.ts).
 */
import { hasJsonText, JSON_TEXT } from '../protocol/json-text.ts';

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** The text of `value`, or undefined where JSON.stringify leaves a member out (undefined, a function, a symbol). */
function text(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (hasJsonText(value)) return value[JSON_TEXT]();
  if (Array.isArray(value)) {
    if (!value.some(hasJsonText)) return JSON.stringify(value);
    const items = new Array<string>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = text(value[i]) ?? 'null';
    return `[${items.join(',')}]`;
  }
  if (!isPlainObject(value)) return JSON.stringify(value);
  const members: string[] = [];
  for (const key of Object.keys(value)) {
    const t = text(value[key]);
    if (t !== undefined) members.push(`${JSON.stringify(key)}:${t}`);
  }
  return `{${members.join(',')}}`;
}

/** The JSON text of an answer (a response, or a batch of them). */
export function answerText(answer: unknown): string {
  return text(answer) ?? 'null';
}
