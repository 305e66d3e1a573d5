/**
 * Test harness that makes REAL login sessions on this machine: a private OpenSSH server on
 * 127.0.0.1 and ssh clients logging in to it, so /run/utmp gets genuine USER_PROCESS records.
 *
 * What it relies on (found on Debian 12, OpenSSH 9.2p1):
 * - Packages: openssh-server (sshd) and openssh-client (ssh, ssh-keygen); passwd (useradd).
 * - Must run as root: sshd only does privilege separation and login recording as root.
 * - utmp: sshd writes the record itself (OpenSSH loginrec.c via glibc pututline, not PAM), but glibc
 *   never CREATES /run/utmp: on a machine booted without systemd/initscripts (containers, microVMs)
 *   the file is absent and sessions leave no trace. startSshd() creates it (0664 root:utmp) if absent.
 * - UsePAM yes: useradd leaves the password locked ('!'), and with UsePAM no sshd refuses locked
 *   accounts ("account is locked") even for public-key logins. PAM's pam_systemd just fails quietly
 *   without a running systemd.
 * - /run/sshd (privilege separation dir) must exist, root-owned, not group/world-writable.
 * - StrictModes no: the authorized keys live under /tmp (world-writable), which StrictModes rejects.
 *   The temp dir is 0755 because sshd opens the keys file with the logging-in user's uid.
 * - ut_pid of an OpenSSH session is the privileged per-connection monitor, the root-owned
 *   "sshd: <user> [priv]" process (a child of the listener) — NOT the shell and not the
 *   unprivileged "sshd: <user>@pts/N". Its child "sshd: user@pts/N" (uid user) runs the login shell.
 *   SIGHUP to ut_pid ends the session: the record turns DEAD_PROCESS, the shell gets SIGHUP from the
 *   pty, and the ssh client exits (code 255, "Connection ... closed by remote host").
 * - Here PID 1 reaps orphans lazily, so ended session processes may linger as zombies for a while:
 *   liveness checks below treat state Z as dead.
 *
 * Test users are created if absent and LEFT IN PLACE on stop(): concurrent test files share them,
 * and they are harmless (password locked; the only authorized key lives in a harness temp dir that
 * stop() deletes). useradd races are tolerated (exit 9 = exists; exit 10 = passwd locked → retry).
 */
import { acquireSessionLock } from './session-lock.ts';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import {
  accessSync, constants, closeSync, fchmodSync, fchownSync, mkdirSync, openSync, readFileSync,
  readdirSync, rmSync, statSync, utimesSync,
} from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UTMP_PATH, USER_PROCESS, readUtmp, type UtmpEntry } from './utmp-peek.ts';

export const SSHD = '/usr/sbin/sshd';
export const SSH = '/usr/bin/ssh';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const USERADD = '/usr/sbin/useradd';
export const DEFAULT_USERS = ['st-alice', 'st-bob'];

export interface SshSession {
  user: string;
  clientPid: number;
  tty: string; // 'pts/3'
  /** ut_pid of this session's utmp record: the root "sshd: <user> [priv]" monitor. */
  leaderPid: number;
  /** The remote login shell (session leader on the tty). */
  shellPid: number;
  loginTime: Date;
  /** Resolves with the ssh client's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** The ssh client is running and the session's monitor process is alive (not a zombie). */
  isAlive(): boolean;
  /** What the client printed so far (last 16 KB), for diagnostics. */
  output(): string;
  /** Types `text` at the remote shell (the client's stdin; reading it updates the tty's atime). */
  send(text: string): void;
  close(): Promise<void>;
}

export interface SshdOptions {
  users?: string[];
  /**
   * PowerShell remoting over SSH: this PowerShell becomes sshd's `Subsystem powershell` (started
   * as `<pwsh> -sshs -NoLogo -NoProfile`), and root may log in with the harness's client key
   * (SshdHarness.clientKey), as `Invoke-Command -HostName 127.0.0.1 -Port <port> -UserName root
   * -KeyFilePath <clientKey>` does. Subsystem connections get no pty, so they write no utmp record.
   */
  powershell?: string;
}

export interface SshdHarness {
  port: number;
  users: string[];
  /** The private key every harness user (and root, with `powershell`) logs in with. */
  clientKey: string;
  /** The harness temp dir (config, keys, sshd.log); removed by stop(). */
  dir: string;
  sshdPid: number;
  open(user: string): Promise<SshSession>;
  setIdle(session: SshSession, minutes: number): Promise<void>;
  /** Tail of sshd's log, for error messages. */
  log(): string;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Availability

function unavailableReason(): string | null {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (sshd writes utmp and switches users only as root)';
  for (const bin of [SSHD, SSH, SSH_KEYGEN, USERADD]) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      return `${bin} is missing (apt-get install -y openssh-server openssh-client)`;
    }
  }
  return null;
}

/**
 * Whether real sessions can be made here. Under CI (process.env.CI === 'true') it THROWS instead of
 * returning ok:false, so a CI run can never silently skip the suites that need it.
 */
export function sshdAvailability(): { ok: true } | { ok: false; reason: string } {
  const reason = unavailableReason();
  if (reason === null) return { ok: true };
  if (process.env.CI === 'true') throw new Error(`sshd harness cannot run under CI=true: ${reason}`);
  return { ok: false, reason };
}

// ---------------------------------------------------------------------------------------------
// Small process helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ProcStat { pid: number; state: string; ppid: number; session: number; ttyNr: number }

export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0] ?? '?', ppid: Number(f[1]), session: Number(f[3]), ttyNr: Number(f[4]) };
}

/** Exists and is not a zombie / dead. */
export function isRunning(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

function allProcs(): ProcStat[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => procStat(Number(n)))
    .filter((s): s is ProcStat => s !== null);
}

/** Polls `probe` every 50 ms until it returns a truthy value; throws after timeoutMs or when `abort` gives a reason. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | null | undefined | false,
  abort?: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    const why = abort?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}${err && code === -1 ? String(err) : ''}` });
    });
  });
}

function exitPromise(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, then SIGKILL, each bounded; resolves when the child has exited (reaped by us). */
async function terminate(child: ChildProcess, exited: Promise<unknown>, termMs = 3_000): Promise<void> {
  if (hasExited(child)) return;
  const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
  child.kill('SIGTERM');
  if ((await Promise.race([exited, timeout(termMs)])) !== 'timeout') return;
  child.kill('SIGKILL');
  if ((await Promise.race([exited, timeout(3_000)])) === 'timeout') {
    throw new Error(`pid ${child.pid} did not exit after SIGKILL`);
  }
}

/** Keeps only the last `max` characters of a stream. */
function tailBuffer(stream: NodeJS.ReadableStream | null, max = 16_384): () => string {
  let buf = '';
  stream?.on('data', (d: Buffer) => {
    buf = (buf + d.toString('utf8')).slice(-max);
  });
  return () => buf;
}

// ---------------------------------------------------------------------------------------------
// Machine setup (idempotent, safe to race with other harnesses)

async function ensureUser(user: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { code, out } = await run(USERADD, ['-m', '-s', '/bin/bash', user]);
    if (code === 0 || code === 9) { // created, or already exists (racing useradds may all say 0)
      if (readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${user}:`))) return;
      throw new Error(`useradd ${user} said ${code} but ${user} is not in /etc/passwd: ${out}`);
    }
    if (code !== 10) throw new Error(`useradd ${user} failed (exit ${code}): ${out}`);
    await sleep(100 + Math.random() * 200); // 10: /etc/passwd locked by a concurrent useradd
  }
  throw new Error(`useradd ${user}: /etc/passwd stayed locked`);
}

function groupId(name: string): number {
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? Number(line.split(':')[2]) : 0;
}

function ensureRuntimeDirs(): void {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  try {
    const fd = openSync(UTMP_PATH, 'wx', 0o664); // create only if absent; never truncate
    try {
      fchownSync(fd, 0, groupId('utmp'));
      fchmodSync(fd, 0o664);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function keygen(path: string): Promise<void> {
  const { code, out } = await run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'st-harness', '-f', path]);
  if (code !== 0) throw new Error(`ssh-keygen ${path} failed (exit ${code}): ${out}`);
}

function sshdConfig(dir: string, port: number, users: string[], powershell: string | undefined): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}/%u`,
    `AllowUsers ${[...users, ...(powershell ? ['root'] : [])].join(' ')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM yes',
    powershell ? 'PermitRootLogin prohibit-password' : 'PermitRootLogin no',
    ...(powershell ? [`Subsystem powershell ${powershell} -sshs -NoLogo -NoProfile`] : []),
    'StrictModes no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'X11Forwarding no',
    'LoginGraceTime 20',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The harness

export async function startSshd(opts: SshdOptions = {}): Promise<SshdHarness> {
  const reason = unavailableReason();
  if (reason) throw new Error(`startSshd: ${reason}`);
  const users = [...(opts.users ?? DEFAULT_USERS)];

  for (const u of users) await ensureUser(u);
  ensureRuntimeDirs();

  const releaseLock = await acquireSessionLock();
  const dir = await mkdtemp(join(tmpdir(), 'st-sshd-'));
  try {
    await chmod(dir, 0o755); // sshd reads authorized_keys/%u as the logging-in user
    await keygen(join(dir, 'host_ed25519'));
    await keygen(join(dir, 'client_ed25519'));
    const pub = await readFile(join(dir, 'client_ed25519.pub'), 'utf8');
    mkdirSync(join(dir, 'authorized_keys'), { mode: 0o755 });
    for (const u of [...users, ...(opts.powershell ? ['root'] : [])]) await writeFile(join(dir, 'authorized_keys', u), pub, { mode: 0o644 });
    const harness = await launch(dir, users, opts.powershell);
    const stop = harness.stop;
    harness.stop = async () => {
      try {
        await stop();
      } finally {
        releaseLock();
      }
    };
    return harness;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    releaseLock();
    throw e;
  }
}

async function launch(dir: string, users: string[], powershell: string | undefined): Promise<SshdHarness> {
  const configPath = join(dir, 'sshd_config');
  const logPath = join(dir, 'sshd.log');
  const readLog = () => {
    try {
      return readFileSync(logPath, 'utf8').slice(-8_000);
    } catch {
      return '(no sshd log)';
    }
  };

  // The port is free when we probe it but may be taken before sshd binds it: retry a few times.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    await writeFile(configPath, sshdConfig(dir, port, users, powershell));
    const check = await run(SSHD, ['-t', '-f', configPath]);
    if (check.code !== 0) throw new Error(`sshd -t rejected ${configPath} (exit ${check.code}): ${check.out}`);

    rmSync(logPath, { force: true });
    const child = spawn(SSHD, ['-D', '-e', '-f', configPath, '-E', logPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr = tailBuffer(child.stderr);
    const exited = exitPromise(child);
    const listening = `Server listening on 127.0.0.1 port ${port}.`;
    try {
      await waitFor(`sshd to listen on 127.0.0.1:${port}`, 10_000, () => readLog().includes(listening),
        () => (hasExited(child) ? `sshd exited with ${child.exitCode ?? child.signalCode}` : undefined));
      return makeHarness(dir, port, users, child, exited, readLog);
    } catch (e) {
      await terminate(child, exited).catch(() => {});
      const log = readLog();
      if (attempt < 3 && /Address already in use|Cannot bind/i.test(log)) continue;
      throw new Error(`${(e as Error).message}\n--- sshd log (${logPath}) ---\n${log}\n--- sshd stderr ---\n${stderr()}`);
    }
  }
}

function makeHarness(
  dir: string, port: number, users: string[], sshd: ChildProcess, sshdExited: Promise<number | null>,
  readLog: () => string,
): SshdHarness {
  const sshdPid = sshd.pid!;
  const sessions = new Map<SshSession, ChildProcess>(); // open sessions → their ssh client
  let openChain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  // Last resort if the test process exits without stop(): synchronous kills by pid.
  const onExit = () => {
    for (const [s, child] of sessions) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      try { if (isRunning(s.leaderPid)) process.kill(s.leaderPid, 'SIGHUP'); } catch { /* gone */ }
    }
    try { sshd.kill('SIGKILL'); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const recordIsLive = (s: SshSession) =>
    readUtmp().some((e) => e.type === USER_PROCESS && e.pid === s.leaderPid && e.line === s.tty);

  async function openNow(user: string): Promise<SshSession> {
    if (stopped) throw new Error('harness is stopped');
    if (!users.includes(user)) throw new Error(`user ${user} is not one of this harness's users (${users.join(', ')})`);
    if (hasExited(sshd)) throw new Error(`sshd has exited\n--- sshd log ---\n${readLog()}`);

    const key = (e: UtmpEntry) => `${e.pid}|${e.line}|${e.loginTime.getTime()}`;
    const before = new Set(readUtmp().filter((e) => e.type === USER_PROCESS).map(key));
    const child = spawn(SSH, [
      '-tt', '-F', '/dev/null', '-i', join(dir, 'client_ed25519'), '-p', String(port),
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR',
      `${user}@127.0.0.1`,
    ], {
      // stdin stays an open pipe we never write to: the remote shell waits at its prompt, and since
      // nothing is ever read from the pty, its atime (= idle time) is only what setIdle() makes it.
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'dumb' }, // plain prompt, no title/bracketed-paste escapes
    });
    const output = tailBuffer(child.stdout);
    const errors = tailBuffer(child.stderr, 4_096); // LogLevel=ERROR: little, but never let a pipe fill
    child.stdin?.on('error', () => {});
    const exited = exitPromise(child);
    const clientGone = () =>
      hasExited(child) ? `ssh client exited with ${child.exitCode ?? child.signalCode}; stderr: ${errors().trim()}\noutput:\n${output()}`
        : undefined;

    try {
      // The monitor writes the record at pty allocation; it is our sshd's child, which tells it from
      // sessions that other harnesses open for the same user at the same time.
      const record = await waitFor(`a new utmp USER_PROCESS record for ${user}`, 10_000, () =>
        readUtmp().find((e) => e.type === USER_PROCESS && e.user === user && !before.has(key(e)) &&
          procStat(e.pid)?.ppid === sshdPid), clientGone);
      const rdev = statSync(`/dev/${record.line}`).rdev;
      const shell = await waitFor(`the login shell on ${record.line}`, 10_000, () =>
        allProcs().find((p) => p.ttyNr === rdev && p.session === p.pid && p.state !== 'Z'), clientGone);
      await waitFor(`a shell prompt on ${record.line}`, 10_000, () => /[$#] $/.test(output()), clientGone);

      const session: SshSession = {
        user, clientPid: child.pid!, tty: record.line, leaderPid: record.pid, shellPid: shell.pid,
        loginTime: record.loginTime, exited, output,
        isAlive: () => !hasExited(child) && isRunning(record.pid),
        send: (text) => void child.stdin?.write(text),
        close: () => closeSession(session),
      };
      sessions.set(session, child);
      return session;
    } catch (e) {
      await terminate(child, exited).catch(() => {});
      throw new Error(`${(e as Error).message}\n--- sshd log ---\n${readLog()}`);
    }
  }

  const closing = new Map<SshSession, Promise<void>>();
  function closeSession(s: SshSession): Promise<void> {
    let p = closing.get(s);
    if (!p) {
      p = (async () => {
        const child = sessions.get(s);
        if (!child) throw new Error(`session ${s.tty} is not one of this harness's open sessions`);
        child.stdin?.destroy();
        await terminate(child, s.exited);
        // The client is gone; sshd notices the closed connection and marks the record DEAD_PROCESS.
        try {
          await waitFor(`utmp record ${s.tty} (pid ${s.leaderPid}) to die`, 10_000, () => !recordIsLive(s));
        } catch {
          try { process.kill(s.leaderPid, 'SIGHUP'); } catch { /* already gone */ }
          await waitFor(`utmp record ${s.tty} (pid ${s.leaderPid}) to die after SIGHUP`, 5_000, () => !recordIsLive(s));
        }
        await waitFor(`session monitor ${s.leaderPid} to exit`, 5_000, () => !isRunning(s.leaderPid));
        sessions.delete(s);
      })();
      closing.set(s, p);
    }
    return p;
  }

  return {
    port, users, dir, sshdPid, clientKey: join(dir, 'client_ed25519'),
    log: readLog,
    open(user) {
      const p = openChain.then(() => openNow(user)); // one at a time: each open claims "the new record"
      openChain = p.catch(() => {});
      return p;
    },
    async setIdle(session, minutes) {
      const path = `/dev/${session.tty}`;
      const st = statSync(path);
      const atime = new Date(Date.now() - minutes * 60_000);
      utimesSync(path, atime, st.mtime);
      const after = statSync(path);
      if (Math.abs(after.atimeMs - atime.getTime()) > 1_000 || Math.abs(after.mtimeMs - st.mtimeMs) > 1) {
        throw new Error(`setIdle ${path}: atime ${after.atime.toISOString()} (wanted ${atime.toISOString()}), ` +
          `mtime ${after.mtime.toISOString()} (was ${st.mtime.toISOString()})`);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await openChain;
      const results = await Promise.allSettled([...sessions.keys()].map((s) => closeSession(s)));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      try {
        await terminate(sshd, sshdExited, 5_000);
      } catch (e) {
        errors.push(e as Error);
      }
      process.removeListener('exit', onExit);
      await rm(dir, { recursive: true, force: true });
      if (errors.length) throw new AggregateError(errors, `sshd harness stop: ${errors.map((e) => e.message).join('; ')}`);
    },
  };
}
