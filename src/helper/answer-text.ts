/**
 * The text of an answer: what JSON.stringify writes for it, except that objects holding their own
 * JSON text (src/protocol/json-text.ts: the sessions of this computer's WTS listing, serialized on
 * the worker that described them) are written as that text, so that thousands of sessions are
 * neither copied to this thread as objects nor serialized again here. Only plain objects and
 * arrays on the way to them are walked; an array with none of them in it, and every other value,
 * is JSON.stringify's own (so the text is byte for byte JSON.stringify's: answer-text.test.ts).
 * The pieces are joined once, at the end: a join per level copied a 2 MB answer once per level.
 */
import { hasJsonText, JSON_TEXT } from '../protocol/json-text.ts';

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * Appends the text of `value` to `out`; false (nothing appended) where JSON.stringify leaves a
 * member out (undefined, a function, a symbol).
 */
function write(value: unknown, out: string[]): boolean {
  if (typeof value === 'object' && value !== null) {
    if (hasJsonText(value)) {
      out.push(value[JSON_TEXT]());
      return true;
    }
    if (Array.isArray(value) && value.some(hasJsonText)) {
      out.push('[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) out.push(',');
        if (!write(value[i], out)) out.push('null');
      }
      out.push(']');
      return true;
    }
    if (!Array.isArray(value) && isPlainObject(value)) {
      out.push('{');
      let first = true;
      for (const key of Object.keys(value)) {
        const at = out.length;
        out.push(first ? '' : ',', JSON.stringify(key), ':');
        if (write(value[key], out)) first = false;
        else out.length = at;
      }
      out.push('}');
      return true;
    }
  }
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return false;
  out.push(text);
  return true;
}

/** The JSON text of an answer (a response, or a batch of them). */
export function answerText(answer: unknown): string {
  const out: string[] = [];
  return write(answer, out) ? out.join('') : 'null';
}
