/**
 * Test support for the Linux backend: builds the C utmp writer, writes utmp files with it, and
 * starts real processes to stand in for session leaders (and stops them, by pid).
 */
import { execFileSync, spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogoffTiming } from '../../src/backend/linux/escalation.ts';

const here = dirname(fileURLToPath(import.meta.url));

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** How the test programs in c/ are compiled. */
const C_FLAGS = ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-O1'];

/** Compiles c/<name>.c with the system compiler into `dir`; returns the binary's path. */
export function buildTestProgram(name: string, dir: string): string {
  const out = join(dir, name);
  execFileSync('cc', [...C_FLAGS, '-o', out, join(here, 'c', `${name}.c`)], { stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

/**
 * Compiles c/utmp-writer.c with the system compiler; returns the binary's path. The binary is kept
 * in $TMPDIR/sessiontools-utmp-writer/<hash of the source and command>/ (a test file's every run,
 * and a mutation run's every mutant, would compile it again); `dir` is the caller's directory, kept
 * for the callers.
 */
export function buildUtmpWriter(dir: string): string {
  void dir;
  const source = join(here, 'c', 'utmp-writer.c');
  const args = C_FLAGS;
  const hash = createHash('sha256').update(`${args.join(' ')}\0`).update(readFileSync(source)).digest('hex').slice(0, 16);
  const cache = join(tmpdir(), 'sessiontools-utmp-writer', hash);
  const out = join(cache, 'utmp-writer');
  if (existsSync(out)) return out;
  mkdirSync(cache, { recursive: true });
  const building = join(cache, `.${process.pid}.${Date.now()}.utmp-writer`); // parallel builds each rename whole files
  execFileSync('cc', [...args, '-o', building, source], { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(building, out);
  return out;
}

/**
 * Bundles `entry` (and the sources it imports) into one file in a new directory under `dir`, so
 * that a child process runs it without tsx, and any user can read it wherever the checkout is
 * (a clone in root's 0700 home): `node <returned path> ...`.
 */
export function bundleScript(entry: string, dir: string): string {
  const out = mkdtempSync(join(dir, 'bundle-'));
  const file = join(out, 'entry.mjs');
  buildSync({ entryPoints: [entry], outfile: file, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  chmodSync(out, 0o755);
  chmodSync(file, 0o644);
  return file;
}

export const UT = { LOGIN_PROCESS: 6, USER_PROCESS: 7, DEAD_PROCESS: 8 } as const;

export interface RecordSpec {
  type?: number;
  pid: number;
  line: string;
  user: string;
  host?: string;
  /** Login time, epoch milliseconds (stored as ut_tv sec + usec). */
  loginMs: number;
  /** IPv4 or IPv6 text, or undefined for none. */
  addr?: string;
}

const hex = (s: string) => (s === '' ? '-' : Buffer.from(s, 'utf8').toString('hex'));

/** Writes `records` to `file` through the C program, i.e. with the real struct utmp. */
export function writeUtmp(writer: string, file: string, records: RecordSpec[]): void {
  const lines = records.map((r) =>
    [
      r.type ?? UT.USER_PROCESS,
      r.pid,
      hex(r.line),
      hex(r.user),
      hex(r.host ?? ''),
      Math.floor(r.loginMs / 1000),
      (r.loginMs % 1000) * 1000,
      r.addr ?? '-',
    ].join('\t'),
  );
  execFileSync(writer, ['write', file], { input: lines.join('\n') + '\n', stdio: ['pipe', 'inherit', 'inherit'] });
}

/**
 * Logoff grace periods for the tests that do not check the real ones (LOGOFF_TIMING: 2 s, 3 s, 2 s,
 * which one test per layer keeps proving): SIGHUP to SIGTERM, SIGTERM to SIGKILL, after SIGKILL,
 * each different, so that one taken for another shows. QUICK_TIMING_ENV gives them to a helper.
 */
export const QUICK_TIMING: LogoffTiming = { hupToTermMs: 200, termToKillMs: 400, afterKillMs: 300 };
export const QUICK_TIMING_ENV = {
  SESSIONTOOLS_LOGOFF_TIMING_MS: `${QUICK_TIMING.hupToTermMs},${QUICK_TIMING.termToKillMs},${QUICK_TIMING.afterKillMs}`,
};

/**
 * Processes started by the tests, by pid, with the start time each had then (/proc/<pid>/stat);
 * stopAll() ends those still there. The start time tells a pid given to another process apart:
 * the tests end and start thousands of processes, pid_max is often 32,768, and a pid whose process
 * a test ended can be another test's helper by the time stopAll() runs.
 */
const started = new Map<number, number | null>();

/** Field 22 of /proc/<pid>/stat (start time, in clock ticks since boot); null when it is gone. */
function startTicksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

function track(pid: number): void {
  started.set(pid, startTicksOf(pid));
}

export type LeaderKind = 'plain' | 'ignoresHup' | 'ignoresHupAndTerm';

const IGNORING = {
  ignoresHup: ['SIGHUP'],
  ignoresHupAndTerm: ['SIGHUP', 'SIGTERM'],
} as const;

/**
 * Starts a process in a session of its own (detached: setsid), as a login's leader is: `sleep
 * 600`, or a node process that ignores SIGHUP (and SIGTERM). Resolves with its pid once any
 * signal handlers are installed.
 */
export async function startLeader(kind: LeaderKind = 'plain'): Promise<number> {
  if (kind === 'plain') {
    const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error('sleep did not start');
    track(pid);
    return pid;
  }
  const handlers = IGNORING[kind].map((s) => `process.on('${s}', () => {});`).join(' ');
  const script = `${handlers} setInterval(() => {}, 1e6); process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('node did not start');
  track(pid);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`leader exited early (${code})`)));
  });
  child.stdout!.destroy();
  child.unref();
  return pid;
}

/** Starts a process and waits until it has exited and been reaped: a pid that no longer exists. */
export async function deadPid(): Promise<number> {
  const child = spawn('true', [], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  await waitFor(() => isGone(child.pid!), 2_000);
  return child.pid!;
}

/** True when the pid is gone or a zombie (exited, not yet reaped). */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}

/** Has stopAll() end `pid` too: a process a test started otherwise than with startLeader(). */
export function adopt(pid: number): void {
  track(pid);
}

/** Whether descriptor `fd` of this process is a pidfd. */
export function isPidfd(fd: number): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[pidfd]';
  } catch {
    return false;
  }
}

/** How many pidfds this process holds. */
export function openPidfds(): number {
  return readdirSync('/proc/self/fd').filter((fd) => isPidfd(Number(fd))).length;
}

/** Where root asks the kernel for the next pid: the next fork gets the number after the one written. */
const NS_LAST_PID = '/proc/sys/kernel/ns_last_pid';

/** Whether startWithPid() can work here: root, with ns_last_pid writable. */
export const canChoosePids = ((): boolean => {
  if (process.getuid?.() !== 0) return false;
  try {
    accessSync(NS_LAST_PID, constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

/**
 * Starts `sleep 600` (stopAll() ends it) with exactly this pid, which must be free; null when
 * another process took it first (a loaded machine forks between the write and ours; 50 tries).
 */
export function startWithPid(pid: number): number | null {
  for (let attempt = 0; attempt < 50; attempt++) {
    writeFileSync(NS_LAST_PID, String(pid - 1));
    const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    child.unref();
    track(child.pid!);
    if (child.pid === pid) return pid;
    process.kill(child.pid!, 'SIGKILL');
    if (existsSync(`/proc/${pid}`)) return null;
  }
  return null;
}

/** Ends every process the tests started, by pid. */
export function stopAll(): void {
  for (const [pid, ticks] of started) {
    // Gone, or the pid is another process's now: not ours to end.
    if (ticks === null || startTicksOf(pid) !== ticks) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  started.clear();
}

/** A real terminal: a pty made by util-linux script(1), whose master side this process reads. */
export interface Terminal {
  /** script(1) itself, which holds the master and copies what arrives there to its stdout (ours). */
  scriptPid: number;
  /** The process on the slave side: it leads the terminal's session (as a login's shell does). */
  leader: number;
  /** The slave, e.g. /dev/pts/3; its ut_line is `line` (pts/3). */
  tty: string;
  line: string;
  /** Every byte that arrived on the terminal so far. */
  output(): Buffer;
}

/**
 * Starts `script -qfc 'stty raw -echo && exec sleep 600' /dev/null` (as `uid`, default this
 * process's user, whose the pty then is): its child leads a session of its own on the pty's slave
 * side, in raw mode, so that what is written to the slave arrives on the master unchanged.
 * Resolves once the child is in raw mode (it is `sleep`); stopAll() ends both by pid.
 */
export async function startTerminal(uid?: number): Promise<Terminal> {
  const ids = uid === undefined ? {} : { uid, gid: uid };
  const child = spawn('script', ['-qfc', 'stty raw -echo && exec sleep 600', '/dev/null'], { ...ids, cwd: '/', stdio: ['pipe', 'pipe', 'ignore'] });
  const scriptPid = child.pid;
  if (scriptPid === undefined) throw new Error('script did not start');
  track(scriptPid);
  child.stdin!.on('error', () => {});
  let out = Buffer.alloc(0);
  child.stdout!.on('data', (chunk: Buffer) => (out = Buffer.concat([out, chunk])));
  let leader = 0;
  const ready = await waitFor(() => {
    try {
      leader = Number(readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(' ')[0]);
      return leader > 0 && readFileSync(`/proc/${leader}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  }, 5_000, 5);
  if (!ready) throw new Error(`script (pid ${scriptPid}) did not start its child`);
  track(leader);
  child.unref();
  const tty = readlinkSync(`/proc/${leader}/fd/0`);
  return { scriptPid, leader, tty, line: tty.slice('/dev/'.length), output: () => out };
}

/**
 * `sh -c '<child> & exec <program...>'` in a session of its own (detached): the shell starts
 * `child` in the background, then becomes `program`, the session's leader and the child's parent.
 * Resolves with [leader, child] once the leader runs `program` and `ready(child)` holds; stopAll()
 * ends both.
 */
export async function startLeaderWithChild(child: string, program: string[], ready: (child: number) => boolean = () => true): Promise<[number, number]> {
  const sh = spawn('sh', ['-c', `${child} & exec "$@"`, 'sh', ...program], { detached: true, stdio: 'ignore' });
  sh.unref();
  const leader = sh.pid;
  if (leader === undefined) throw new Error('sh did not start');
  track(leader);
  let pid = 0;
  const started = await waitFor(() => {
    try {
      pid = Number(readFileSync(`/proc/${leader}/task/${leader}/children`, 'utf8').trim().split(' ')[0]);
      return pid > 0 && readFileSync(`/proc/${leader}/cmdline`, 'latin1') === `${program.join('\0')}\0` && ready(pid);
    } catch {
      return false;
    }
  }, 5_000, 5);
  if (!started) throw new Error(`${program.join(' ')} (pid ${leader}) did not start with its child`);
  track(pid);
  return [leader, pid];
}
