/**
 * An object that already holds its own JSON text: the helper's answer writer (src/helper/answer-text.ts)
 * writes that text as it is instead of serializing the object member by member. Its JSON.stringify
 * form (toJSON) must be the same text: the writer's output is then JSON.stringify's, only cheaper
 * (tests/helper/answer-text.test.ts).
 */
export const JSON_TEXT = Symbol('SessionTools JSON text');

export interface HasJsonText {
  /** The object's JSON text, exactly what JSON.stringify writes for it. */
  [JSON_TEXT](): string;
}

export function hasJsonText(value: unknown): value is HasJsonText {
  return typeof value === 'object' && value !== null && JSON_TEXT in value;
}
