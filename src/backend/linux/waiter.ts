/**
 * One shared wait for every session leader being ended (escalation.ts): however many leaders are
 * pending, there is one timer, and at each of its ticks one poll() over the pidfds of all of them
 * (pidfd.ts), plus one look in /proc for each leader without a pidfd (an older kernel). The tick
 * starts at LOGOFF_TIMING.pollMs and doubles while nothing ends, up to LOGOFF_TIMING.maxPollMs,
 * so that leaders that end at once are seen at once and stubborn ones cost little.
 */
import { leaderEnded } from './leader.ts';
import { pidfds } from './pidfd.ts';

/** A session leader found live, and how to reach exactly that process. */
export interface Leader {
  pid: number;
  /** Its /proc starttime when it was checked; null when /proc hides it (hidepid). */
  startTicks: number | null;
  /** A pidfd of it (pidfd.ts); null where pidfds are not available. */
  pidfd: number | null;
}

export const WAIT_TIMING = {
  /** The first tick after a leader is added or signalled. */
  pollMs: 1,
  /** The slowest tick while nothing ends. */
  maxPollMs: 25,
} as const;

interface Waiting {
  leader: Leader;
  deadline: number;
  keepAlive: boolean;
  resolve: (ended: boolean) => void;
}

const waiting = new Set<Waiting>();
let timer: NodeJS.Timeout | undefined;
let tickMs: number = WAIT_TIMING.pollMs;

/** Has it ended? For leaders without a pidfd: gone, a zombie, or now another process. */
function endedNow(list: readonly Waiting[]): Set<Waiting> {
  const ended = new Set<Waiting>();
  const withFd = list.filter((w) => w.leader.pidfd !== null);
  const fds = pidfds();
  if (fds !== null && withFd.length > 0) {
    const exited = fds.exited(withFd.map((w) => w.leader.pidfd as number));
    for (const w of withFd) if (exited.has(w.leader.pidfd as number)) ended.add(w);
  }
  for (const w of list) if (w.leader.pidfd === null && leaderEnded(w.leader.pid, w.leader.startTicks)) ended.add(w);
  return ended;
}

function schedule(): void {
  clearTimeout(timer);
  timer = undefined;
  if (waiting.size === 0) return;
  timer = setTimeout(tick, tickMs);
  if (![...waiting].some((w) => w.keepAlive)) timer.unref();
}

function tick(): void {
  const list = [...waiting];
  let ended: Set<Waiting>;
  try {
    ended = endedNow(list);
  } catch {
    // The look itself failed (no more descriptors, /proc unreadable): try again at the next tick.
    ended = new Set();
  }
  const now = performance.now();
  for (const w of list) {
    if (ended.has(w)) {
      waiting.delete(w);
      w.resolve(true);
    } else if (now >= w.deadline) {
      waiting.delete(w);
      w.resolve(false);
    }
  }
  tickMs = ended.size > 0 ? WAIT_TIMING.pollMs : Math.min(tickMs * 2, WAIT_TIMING.maxPollMs);
  schedule();
}

/**
 * Resolves true once `leader` has ended, false when `ms` pass first. `keepAlive`: whether this wait
 * holds the event loop open (a caller awaits it) or not (a background logoff).
 */
export function waitForEnd(leader: Leader, ms: number, keepAlive: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    waiting.add({ leader, deadline: performance.now() + ms, keepAlive, resolve });
    tickMs = WAIT_TIMING.pollMs;
    schedule();
  });
}

/** How many leaders are being waited for (for tests). */
export function pendingWaits(): number {
  return waiting.size;
}
