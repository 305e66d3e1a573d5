/**
 * One shared wait for every process being ended (escalation.ts), however many logoffs are under
 * way: callers wait for a group of processes at a time (waitForAll), and every group is served
 * by the same wait.
 *
 * - Processes held by a pidfd: one epoll set and one blocking epoll_wait() in the thread pool
 *   (exit-watch.ts), which returns as soon as any of them exits; no timer.
 * - Others (no pidfds on this kernel, or none was left), or pidfds where epoll is missing: one
 *   timer, and at each of its ticks one poll() over those pidfds (pidfd.ts) and one look in /proc
 *   for each process without one. The tick starts at WAIT_TIMING.pollMs and doubles while
 *   nothing ends, up to WAIT_TIMING.maxPollMs.
 *
 * A group ends when all of its processes have, or at its deadline, whichever is first.
 */
import { exitWatch, type ExitWatch } from './exit-watch.ts';
import { leaderEnded } from './leader.ts';
import { pidfds } from './pidfd.ts';

/** A process being ended, and how to reach exactly that process. */
export interface Leader {
  pid: number;
  /** Its /proc starttime when it was checked; null when /proc hides it (hidepid). */
  startTicks: number | null;
  /** A pidfd of it (pidfd.ts); null where pidfds are not available. */
  pidfd: number | null;
}

export const WAIT_TIMING = {
  /** The first tick after a process is added or signalled. */
  pollMs: 1,
  /** The slowest tick while nothing ends. */
  maxPollMs: 25,
} as const;

interface Group {
  pending: Set<Leader>;
  ended: Set<Leader>;
  deadline: number;
  keepAlive: boolean;
  resolve: (ended: Set<Leader>) => void;
  each: ((leader: Leader) => void) | undefined;
}

const groups = new Set<Group>();
/** Processes the epoll wait watches, by pidfd. */
const watched = new Map<number, { leader: Leader; group: Group }>();
/** Processes the timer looks at. */
const polled = new Map<Leader, Group>();

let armed = false;
/** When the epoll wait in progress returns at the latest. */
let armedUntil = Infinity;
let timer: NodeJS.Timeout | undefined;
let tickMs: number = WAIT_TIMING.pollMs;

function finish(group: Group): void {
  groups.delete(group);
  for (const leader of group.pending) {
    if (leader.pidfd !== null && watched.get(leader.pidfd)?.group === group) {
      watched.delete(leader.pidfd);
      exitWatch()?.remove(leader.pidfd);
    }
    polled.delete(leader);
  }
  group.resolve(group.ended);
}

function ended(leader: Leader, group: Group): void {
  group.pending.delete(leader);
  group.ended.add(leader);
  group.each?.(leader);
  if (group.pending.size === 0) finish(group);
}

function settleDeadlines(): void {
  const now = performance.now();
  for (const g of groups) if (now >= g.deadline) finish(g);
}

function earliestWatchedDeadline(): number {
  let at = Infinity;
  for (const { group } of watched.values()) at = Math.min(at, group.deadline);
  return at;
}

function arm(): void {
  const watch = exitWatch();
  if (armed || watch === null || watched.size === 0) return;
  armed = true;
  armedUntil = earliestWatchedDeadline();
  watch.wait(armedUntil - performance.now(), (exited) => {
    armed = false;
    if (exited === null) return pollInstead(watch);
    for (const fd of exited) {
      const w = watched.get(fd);
      if (w === undefined) continue;
      watched.delete(fd);
      watch.remove(fd);
      ended(w.leader, w.group);
    }
    settleDeadlines();
    arm();
  });
}

/** The wait failed (not EINTR alone: any failure): its processes go to the timer, which polls their pidfds. */
function pollInstead(watch: ExitWatch): void {
  for (const [fd, w] of watched) {
    watch.remove(fd);
    polled.set(w.leader, w.group);
  }
  watched.clear();
  tickMs = WAIT_TIMING.pollMs;
  schedule();
}

/** For the processes the timer looks at: which have ended (gone, a zombie, or now another process). */
function polledEnded(list: readonly Leader[]): Set<Leader> {
  const out = new Set<Leader>();
  const withFd = list.filter((l) => l.pidfd !== null);
  const fds = pidfds();
  if (fds !== null && withFd.length > 0) {
    const exited = fds.exited(withFd.map((l) => l.pidfd as number));
    for (const l of withFd) if (exited.has(l.pidfd as number)) out.add(l);
  }
  for (const l of list) if (l.pidfd === null && leaderEnded(l.pid, l.startTicks)) out.add(l);
  return out;
}

function schedule(): void {
  clearTimeout(timer);
  timer = undefined;
  if (polled.size === 0) return;
  timer = setTimeout(tick, tickMs);
  let hold = false;
  for (const g of polled.values()) if (g.keepAlive) hold = true;
  if (!hold) timer.unref();
}

function tick(): void {
  let done = new Set<Leader>();
  try {
    done = polledEnded([...polled.keys()]);
  } catch {
    // The look itself failed (no more descriptors, /proc unreadable): try again at the next tick.
  }
  for (const leader of done) {
    const group = polled.get(leader);
    polled.delete(leader);
    if (group !== undefined) ended(leader, group);
  }
  settleDeadlines();
  tickMs = done.size > 0 ? WAIT_TIMING.pollMs : Math.min(tickMs * 2, WAIT_TIMING.maxPollMs);
  schedule();
}

/**
 * Resolves with the processes, of `leaders`, that have ended: all of them as soon as they have,
 * or those that had when `ms` ran out; `each` is called with each as soon as it has ended.
 * `keepAlive`: whether the timer holds the event loop open (a caller awaits it) or not (a
 * background logoff); the epoll wait, bounded by `ms`, always does (it holds one thread of the
 * pool meanwhile).
 */
export function waitForAll(leaders: readonly Leader[], ms: number, keepAlive: boolean, each?: (leader: Leader) => void): Promise<Set<Leader>> {
  return new Promise((resolve) => {
    const group: Group = { pending: new Set(leaders), ended: new Set(), deadline: performance.now() + ms, keepAlive, resolve, each };
    if (group.pending.size === 0) return resolve(group.ended);
    groups.add(group);
    const watch = exitWatch();
    let toPoll = false;
    for (const leader of group.pending) {
      if (watch !== null && leader.pidfd !== null && !watched.has(leader.pidfd) && watch.add(leader.pidfd)) {
        watched.set(leader.pidfd, { leader, group });
      } else {
        polled.set(leader, group);
        toPoll = true;
      }
    }
    if (armed && group.deadline < armedUntil && watched.size > 0) watch?.wake();
    arm();
    if (toPoll) {
      tickMs = WAIT_TIMING.pollMs;
      schedule();
    }
  });
}

/** How many processes are being waited for (for tests). */
export function pendingWaits(): number {
  return watched.size + polled.size;
}
