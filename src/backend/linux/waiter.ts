/**
 * One shared wait for every process being ended (escalation.ts), however many logoffs are under
 * way: callers wait for a group of processes at a time (waitForAll), and every group is served by
 * one timer. At each tick:
 *
 * - processes held by a pidfd: one epoll_wait() with no timeout over the epoll set that holds all
 *   their pidfds (exit-watch.ts), which returns those that have exited and costs nothing for the
 *   others;
 * - others (no pidfds on this kernel, or none was left), or pidfds where epoll is missing: one
 *   poll() over those pidfds (pidfd.ts) and one look in /proc for each process without one.
 *
 * The tick starts at WAIT_TIMING.pollMs and doubles while nothing ends, up to WAIT_TIMING.maxPollMs.
 * A group ends when all of its processes have, or at its deadline, whichever is first.
 */
import { exitWatch } from './exit-watch.ts';
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
/** Processes in the epoll set, by pidfd. */
const watched = new Map<number, { leader: Leader; group: Group }>();
/** Processes the tick polls. */
const polled = new Map<Leader, Group>();

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

/** For the processes the tick polls: which have ended (gone, a zombie, or now another process). */
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
  if (groups.size === 0) return;
  timer = setTimeout(tick, tickMs);
  let hold = false;
  for (const g of groups) if (g.keepAlive) hold = true;
  if (!hold) timer.unref();
}

function tick(): void {
  let count = 0;
  try {
    for (const fd of watched.size > 0 ? (exitWatch()?.exited() ?? []) : []) {
      const w = watched.get(fd);
      if (w === undefined) continue;
      watched.delete(fd);
      ended(w.leader, w.group);
      count++;
    }
    if (polled.size > 0) {
      for (const leader of polledEnded([...polled.keys()])) {
        const group = polled.get(leader);
        polled.delete(leader);
        if (group !== undefined) ended(leader, group);
        count++;
      }
    }
  } catch {
    // The look itself failed (no more descriptors, /proc unreadable): try again at the next tick.
  }
  const now = performance.now();
  for (const g of groups) if (now >= g.deadline) finish(g);
  tickMs = count > 0 ? WAIT_TIMING.pollMs : Math.min(tickMs * 2, WAIT_TIMING.maxPollMs);
  schedule();
}

/**
 * Resolves with the processes, of `leaders`, that have ended: all of them as soon as they have,
 * or those that had when `ms` ran out; `each` is called with each as soon as it has ended.
 * `keepAlive`: whether the timer holds the event loop open (a caller awaits it) or not (a
 * background logoff).
 */
export function waitForAll(leaders: readonly Leader[], ms: number, keepAlive: boolean, each?: (leader: Leader) => void): Promise<Set<Leader>> {
  return new Promise((resolve) => {
    const group: Group = { pending: new Set(leaders), ended: new Set(), deadline: performance.now() + ms, keepAlive, resolve, each };
    if (group.pending.size === 0) return resolve(group.ended);
    groups.add(group);
    const watch = exitWatch();
    for (const leader of group.pending) {
      if (watch !== null && leader.pidfd !== null && !watched.has(leader.pidfd) && watch.add(leader.pidfd)) {
        watched.set(leader.pidfd, { leader, group });
      } else {
        polled.set(leader, group);
      }
    }
    tickMs = WAIT_TIMING.pollMs;
    schedule();
  });
}

/** How many processes are being waited for (for tests). */
export function pendingWaits(): number {
  return watched.size + polled.size;
}
