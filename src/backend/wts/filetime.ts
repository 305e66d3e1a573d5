/**
 * WTS times: signed 64-bit counts of 100-ns ticks since 1601-01-01 UTC (FILETIME). koffi gives an
 * int64 as a Number when it fits in 2^53 and as a BigInt otherwise (a real FILETIME is a BigInt, a
 * zero one the Number 0), so everything is normalised to BigInt first (wts-api.md 4.2, 5.7), and
 * the few BigInt operations per instant kept to one division.
 */
import type { DurationMs, IsoDateTime } from '../../protocol/session.ts';

export type FileTime = number | bigint;

const UNIX_EPOCH_TICKS = 116444736000000000n;
const TICKS_PER_MS = 10000n;
/** The largest instant a JS Date holds (8.64e15 ms after 1970). */
const MAX_DATE_MS = 8_640_000_000_000_000;

const UNIX_EPOCH_MS = Number(UNIX_EPOCH_TICKS / TICKS_PER_MS);

/**
 * Milliseconds since 1970 UTC, or null for 0 ("never") and values no Date can hold. The ticks
 * since 1970 divided by 10,000, truncated toward zero (so an instant before 1970 rounds up to the
 * millisecond). One BigInt division: every int64 divided by 10,000 fits a Number exactly.
 */
function unixMs(t: FileTime): number | null {
  const ticks = typeof t === 'bigint' ? t : BigInt(t);
  if (ticks <= 0n) return null;
  let ms = Number(ticks / TICKS_PER_MS) - UNIX_EPOCH_MS;
  if (ms < 0 && ticks % TICKS_PER_MS !== 0n) ms += 1;
  return ms > MAX_DATE_MS || ms < -MAX_DATE_MS ? null : ms;
}

/** The instant as ISO-8601 UTC; null for 0 ("never"). */
export function fileTimeToIso(t: FileTime): IsoDateTime | null {
  const ms = unixMs(t);
  return ms === null ? null : isoText(ms);
}

const MS_PER_DAY = 86_400_000;
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * What Date.prototype.toISOString writes for `ms` (a whole number of milliseconds since 1970), a
 * third of its cost (thousands of sessions, three instants each): the civil date of the day count
 * (H. Hinnant's days-to-civil algorithm, proleptic Gregorian as ECMAScript's), then the time of day.
 * Years outside 0000-9999, which toISOString writes with six digits and a sign, are left to it.
 */
export function isoText(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const y = year < 1000 ? `${year + 10_000}`.slice(1) : `${year}`;
  const f = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : `${milli}`;
  return `${y}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}.${f}Z`;
}

/**
 * Milliseconds from `since` to `now`, both the server's own FILETIMEs (so remote clock skew
 * cancels out); null when either is 0. Never negative.
 */
export function elapsedMs(now: FileTime, since: FileTime): DurationMs | null {
  const a = BigInt(now);
  const b = BigInt(since);
  if (a <= 0n || b <= 0n) return null;
  const d = (a - b) / TICKS_PER_MS;
  return d < 0n ? 0 : Number(d);
}

export interface SessionTimes {
  ConnectTime: FileTime;
  DisconnectTime: FileTime;
  LastInputTime: FileTime;
  CurrentTime: FileTime;
}

/**
 * Idle time (wts-api.md 4.2; WTSIdleTime itself does not work): a disconnected session has been
 * idle since its disconnect; otherwise since its last input; else not known. The console's
 * LastInputTime is approximate on current Windows (wts-api.md 7.4; cannot be checked here).
 */
export function idleMs(times: SessionTimes, disconnected: boolean): DurationMs | null {
  if (disconnected && BigInt(times.DisconnectTime) > 0n) return elapsedMs(times.CurrentTime, times.DisconnectTime);
  if (BigInt(times.LastInputTime) > 0n) return elapsedMs(times.CurrentTime, times.LastInputTime);
  return null;
}
