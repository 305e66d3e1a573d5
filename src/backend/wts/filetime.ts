/**
 * WTS times: signed 64-bit counts of 100-ns ticks since 1601-01-01 UTC (FILETIME). koffi gives an
 * int64 as a Number when it fits in 2^53 and as a BigInt otherwise (a real FILETIME is a BigInt, a
 * zero one the Number 0), so everything is normalised to BigInt first (wts-api.md 4.2, 5.7).
 */
import type { DurationMs, IsoDateTime } from '../../protocol/session.ts';

export type FileTime = number | bigint;

const UNIX_EPOCH_TICKS = 116444736000000000n;
const TICKS_PER_MS = 10000n;
/** The largest instant a JS Date holds (8.64e15 ms after 1970). */
const MAX_DATE_MS = 8_640_000_000_000_000n;

/** Milliseconds since 1970 UTC, or null for 0 ("never") and values no Date can hold. */
function unixMs(t: FileTime): bigint | null {
  const ticks = BigInt(t);
  if (ticks <= 0n) return null;
  const ms = (ticks - UNIX_EPOCH_TICKS) / TICKS_PER_MS;
  return ms > MAX_DATE_MS || ms < -MAX_DATE_MS ? null : ms;
}

/** The instant as ISO-8601 UTC; null for 0 ("never"). */
export function fileTimeToIso(t: FileTime): IsoDateTime | null {
  const ms = unixMs(t);
  return ms === null ? null : new Date(Number(ms)).toISOString();
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
