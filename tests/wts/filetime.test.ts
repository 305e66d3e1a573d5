/**
 * filetime.ts: FILETIMEs (100-ns ticks since 1601, as koffi gives an int64: a Number up to 2^53, a
 * BigInt beyond) to ISO-8601 text, written by hand instead of through Date.toISOString. Checked
 * against the plain BigInt reading and Date's own text: every day of several centuries, random
 * instants over the years 0000-9999, and the edges (never, before 1970, the largest int64, years
 * Date writes with six digits).
 */
import { describe, expect, it } from 'vitest';
import { fileTimeToIso, isoText } from '../../src/backend/wts/filetime.ts';

const EPOCH = 116444736000000000n;
const MAX_DATE_MS = 8_640_000_000_000_000n;

/** The reading the hand-written one must equal: BigInt all the way, truncated toward zero, then Date. */
function reference(t: number | bigint): string | null {
  const ticks = BigInt(t);
  if (ticks <= 0n) return null;
  const ms = (ticks - EPOCH) / 10000n;
  return ms > MAX_DATE_MS || ms < -MAX_DATE_MS ? null : new Date(Number(ms)).toISOString();
}

/** A reproducible stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('isoText', () => {
  it('writes what Date.toISOString writes: every day from 1600 to 2400 at a time of day, random instants over 0000-9999', () => {
    const wrong: [number, string][] = [];
    const check = (ms: number): void => {
      if (isoText(ms) !== new Date(ms).toISOString()) wrong.push([ms, isoText(ms)]);
    };
    for (let ms = Date.UTC(1600, 0, 1); ms < Date.UTC(2400, 0, 1); ms += 86_400_000) check(ms + 45_296_789);
    const next = random(11);
    const lo = -62_167_219_200_000; // 0000-01-01
    const hi = 253_402_300_799_999; // 9999-12-31T23:59:59.999
    for (let i = 0; i < 200_000; i++) check(Math.floor(lo + next() * (hi - lo)));
    expect(wrong).toEqual([]);
  });

  it('at the edges: the epoch, a millisecond before it, the first and last instants of 0000 and 9999, and beyond (six-digit years)', () => {
    for (const ms of [0, -1, 1, 999, -1000, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15, -11_644_473_600_000]) {
      expect(isoText(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

describe('fileTimeToIso', () => {
  it('equals the BigInt reading for real FILETIMEs, zero, negative, small Numbers and instants before 1970 (truncated toward zero)', () => {
    const cases: (number | bigint)[] = [
      0, -1, 1, 9_999, 10_000, 2 ** 53, -(2 ** 53), 0n, -5n, 1n,
      EPOCH, EPOCH - 1n, EPOCH + 1n, EPOCH - 9_999n, EPOCH - 10_000n, EPOCH - 10_001n, EPOCH + 9_999n, EPOCH + 10_000n,
      134_093_376_000_000_000n, 134_093_376_001_234_567n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n,
    ];
    for (const t of cases) expect([t, fileTimeToIso(t)]).toEqual([t, reference(t)]);
    const next = random(5);
    const wrong: [bigint, string | null][] = [];
    for (let i = 0; i < 50_000; i++) {
      const t = BigInt(Math.floor(next() * 2 ** 31)) * 2n ** 32n + BigInt(Math.floor(next() * 2 ** 32));
      if (fileTimeToIso(t) !== reference(t)) wrong.push([t, fileTimeToIso(t)]);
    }
    expect(wrong).toEqual([]);
  });

  it('a real instant: 2026-03-01T12:00:00.123Z', () => {
    expect(fileTimeToIso(EPOCH + BigInt(Date.UTC(2026, 2, 1, 12, 0, 0, 123)) * 10_000n + 4_567n)).toBe('2026-03-01T12:00:00.123Z');
  });
});
