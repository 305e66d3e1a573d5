/**
 * What the kernel says about a process: does it exist (kill(pid, 0)), its state and start time
 * (/proc/<pid>/stat), the boot time (/proc/stat) and the clock tick rate. Runs no program.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { cFunctions } from './libc.ts';

/**
 * kill(pid, 0) sends nothing and only checks: ESRCH means no such process; EPERM means it exists
 * but belongs to someone we may not signal. Only ever called with pid > 1 (see sessions.ts): pid 0
 * and negative pids would address process groups.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw err;
  }
}

export interface ProcStat {
  /** Field 3 of /proc/<pid>/stat: R, S, D, T, t, Z (zombie), X (dead), I, ... */
  state: string;
  /** Field 4: the parent's pid. */
  ppid: number;
  /** Field 6: the id of its session (the pid of the session's leader, setsid(2)). */
  session: number;
  /** Field 7 (tty_nr): the device number of its controlling terminal; 0 when it has none. */
  ttyNr: number;
  /** Field 22 (starttime): clock ticks after boot at which the process started. */
  startTicks: number;
}

/**
 * Fields 3, 4, 6, 7 and 22 of /proc/<pid>/stat (proc(5)), or null when it cannot be read: the process is
 * not there (ENOENT, or ESRCH when it vanishes mid-read) or /proc is mounted with hidepid and it
 * is another user's (ENOENT or EACCES). Callers tell those apart with processExists(). Field 2 is the command name in parentheses and may itself
 * hold spaces and ")", so the fields are counted from the LAST ")".
 */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readSmall(`/proc/${pid}/stat`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM') return null;
    throw err;
  }
  const close = text.lastIndexOf(')');
  // After ") ": field 3 is index 0, so field N is index N - 3.
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0];
  const [ppid, session, ttyNr, startTicks] = [4, 6, 7, 22].map((n) => Number(rest[n - 3]));
  if (close === -1 || !state || ![ppid, session, ttyNr, startTicks].every(Number.isSafeInteger)) {
    throw new Error(`Unexpected /proc/${pid}/stat contents: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return { state, ppid: ppid!, session: session!, ttyNr: ttyNr!, startTicks: startTicks! };
}

/** Called around each read of a pass over /proc: before it, then with what it read (null: gone or hidden). */
export interface PassVisitor {
  before(pid: number): void;
  after(pid: number, stat: ProcStat | null): void;
}

/**
 * Every process /proc shows this caller, live ones only (zombies have ended): one pass over
 * /proc, one read of each stat. Under hidepid, other users' processes are not in it.
 */
export function readProcessTable(visit?: PassVisitor): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    visit?.before(pid);
    let stat = readProcStat(pid);
    if (stat !== null && isExitedState(stat.state)) stat = null;
    visit?.after(pid, stat);
    if (stat !== null) table.set(pid, stat);
  }
  return table;
}

/** A zombie (Z) has exited and only waits for its parent to reap it; X is "dead". Both are gone. */
export function isExitedState(state: string): boolean {
  return state === 'Z' || state === 'X';
}

/** One buffer for the small /proc files read on every listing (one thread reads them). */
const small = Buffer.alloc(4096);

/**
 * A /proc file that fits in 4 KiB, in one read() (readFileSync would fstat it and read twice: /proc
 * files have no size); a longer one is read whole.
 */
function readSmall(path: string): string {
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, small, 0, small.length, null);
  } finally {
    closeSync(fd);
  }
  return n < small.length ? small.toString('latin1', 0, n) : readFileSync(path, 'latin1');
}

/**
 * The boot time in milliseconds since the epoch: now minus the first field of /proc/uptime (the
 * seconds since boot, suspend included, in hundredths). That is the quantity /proc/stat's "btime"
 * gives in whole seconds, from a file the kernel makes far more cheaply (/proc/stat lists every CPU
 * and interrupt). It follows the wall clock, so it is read on each use.
 */
export function bootTimeMs(): number {
  const uptime = Number(readSmall('/proc/uptime').split(' ')[0]);
  if (!Number.isFinite(uptime)) throw new Error('/proc/uptime holds no uptime');
  return Date.now() - uptime * 1000;
}

let clockTicks: number | undefined;

/** sysconf's name for the clock tick rate: 2 in glibc's <bits/confname.h> and musl's <unistd.h>. */
const SC_CLK_TCK = 2;

/**
 * sysconf(_SC_CLK_TCK), the unit of /proc/<pid>/stat's starttime, asked once of the C library this
 * process runs on (libc.ts: by the full path it was loaded from; no program is run for it).
 * USER_HZ is 100 on every Linux architecture we target; that is the fallback where the C library
 * cannot be loaded.
 */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const n = cFunctions({ sysconf: 'long sysconf(int name)' })?.fns.sysconf(SC_CLK_TCK) ?? -1;
    clockTicks = Number.isSafeInteger(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** The wall-clock start time of a process, from its starttime ticks. */
export function processStartMs(startTicks: number, bootMs: number): number {
  return bootMs + (startTicks * 1000) / clockTicksPerSecond();
}
