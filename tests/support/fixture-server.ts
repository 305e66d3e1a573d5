/**
 * The test fixtures of the TypeScript harnesses, served to Pester over stdio, so that Pester tests
 * use the same real parts as the vitest suites (sshd logins, leaders recorded in utmp files, the
 * wtsapi32 double) without a second implementation in PowerShell.
 *
 * Started by tests/support/TestFixture.psm1 as `node --import tsx tests/support/fixture-server.ts`.
 * Protocol: one JSON request per stdin line, {"id":1,"op":"utmp.sessions","args":{...}}; one answer
 * per stdout line, {"id":1,"result":...} or {"id":1,"error":"message"}. Requests run one at a time.
 * At stdin EOF (the PowerShell that started it ended or called Stop-TestFixture) every process the
 * fixture started is ended by pid, sshd is stopped, temp folders are removed, and it exits.
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { buildUtmpWriter, deadPid, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp, type LeaderKind, type RecordSpec } from '../linux-backend/support.ts';
import { sshdAvailability, startSshd, type SshSession, type SshdHarness } from './sshd.ts';
import { buildDouble, leakedBuffers, readLog, writeFixture, type DoubleKind, type FixtureServer } from '../wts/support/double.ts';
import * as catalog from '../../src/catalog/commands.ts';
import { resolveCatalog } from '../../src/catalog/resolve.ts';

const dir = makeTempDir('st-fixture-');
let writer: string | undefined;
let sshd: SshdHarness | undefined;
const sessions = new Map<number, SshSession>(); // by leaderPid

function sessionInfo(s: SshSession) {
  // SessionId: what Get-UserSession shows for it, the kernel session of its shell (docs/linux-sessions.md).
  return { User: s.user, Tty: s.tty, LeaderPid: s.leaderPid, ShellPid: s.shellPid, SessionId: s.shellPid, ClientPid: s.clientPid, LoginTime: s.loginTime.toISOString() };
}

function session(args: { leaderPid: number }): SshSession {
  const s = sessions.get(args.leaderPid);
  if (!s) throw new Error(`no open ssh session led by pid ${args.leaderPid}`);
  return s;
}

type Handler = (args: any) => unknown | Promise<unknown>;

const ops: Record<string, Handler> = {
  /** The fixture's temp folder (removed at exit). */
  dir: () => dir,

  /** Starts one leader per user and records them as logins in a new utmp file: {Utmp, Pids}. */
  'utmp.sessions': async (args: { users: string[]; kind?: LeaderKind; file?: string; host?: string; firstLine?: number }) => {
    writer ??= buildUtmpWriter(dir);
    const pids = await Promise.all(args.users.map(() => startLeader(args.kind ?? 'plain')));
    const file = args.file ?? join(dir, 'utmp');
    const first = args.firstLine ?? 200;
    const records: RecordSpec[] = args.users.map((user, i) => ({
      pid: pids[i] as number,
      line: `pts/${first + i}`,
      user,
      host: args.host ?? '192.0.2.7',
      addr: args.host ?? '192.0.2.7',
      loginMs: Date.now(), // after the leaders started: the backend refuses a leader younger than its login
    }));
    writeUtmp(writer, file, records);
    return { Utmp: file, Pids: pids };
  },
  /** Writes records as given (pid, line, user, host, loginMs, addr, type) to a utmp file. */
  'utmp.write': (args: { file: string; records: RecordSpec[] }) => {
    writer ??= buildUtmpWriter(dir);
    writeUtmp(writer, args.file, args.records);
    return args.file;
  },
  'leader.start': (args: { kind?: LeaderKind }) => startLeader(args.kind ?? 'plain'),
  'pid.dead': () => deadPid(),
  'pid.gone': (args: { pid: number }) => isGone(args.pid),
  /** Ends (by pid) every leader this fixture started so far. */
  'leaders.stop': () => {
    stopAll();
    return true;
  },

  /**
   * The command catalog (src/catalog/commands.ts) as resolved with the methods' fields:
   * [{Name, verb, noun, kind, confirmImpact, defaultSet, outputType, parameters: {name: {type, wire, role, ...}}}].
   */
  catalog: () =>
    resolveCatalog(catalog).map(({ method, parameters, ...c }) => ({ ...c, method: method.name, parameters: Object.fromEntries(parameters.map((p) => [p.name, p])) })),

  /** Whether real ssh logins can be made here: {Ok, Reason}; under CI=true a reason is an error. */
  'sshd.availability': () => {
    const a = sshdAvailability();
    return a.ok ? { Ok: true, Reason: null } : { Ok: false, Reason: a.reason };
  },
  /**
   * Starts the private sshd on 127.0.0.1 (holds the machine-wide session lock until stopped).
   * `powershell`: a pwsh to serve PowerShell remoting as sshd's `Subsystem powershell`, with root
   * allowed to log in with the key in the answer's KeyFile.
   */
  'sshd.start': async (args: { users?: string[]; powershell?: string }) => {
    if (sshd) throw new Error('sshd is already started');
    sshd = await startSshd({ ...(args.users ? { users: args.users } : {}), ...(args.powershell ? { powershell: args.powershell } : {}) });
    return { Port: sshd.port, Users: sshd.users, KeyFile: sshd.clientKey };
  },
  'sshd.open': async (args: { user: string }) => {
    if (!sshd) throw new Error('sshd.start first');
    const s = await sshd.open(args.user);
    sessions.set(s.leaderPid, s);
    return sessionInfo(s);
  },
  'sshd.setIdle': async (args: { leaderPid: number; minutes: number }) => {
    await sshd!.setIdle(session(args), args.minutes);
    return true;
  },
  'sshd.alive': (args: { leaderPid: number }) => session(args).isAlive(),
  'sshd.output': (args: { leaderPid: number }) => session(args).output(),
  /** Types text at the session's shell (add "\n" to run it). */
  'sshd.send': (args: { leaderPid: number; text: string }) => {
    session(args).send(args.text);
    return true;
  },
  'sshd.close': async (args: { leaderPid: number }) => {
    await session(args).close();
    sessions.delete(args.leaderPid);
    return true;
  },
  'sshd.stop': async () => {
    const h = sshd;
    sshd = undefined;
    sessions.clear();
    if (h) await h.stop();
    return true;
  },

  /** Builds the wtsapi32 double (cached by source hash): its path. */
  'double.build': (args: { kind?: DoubleKind }) => buildDouble(args.kind ?? 'linux'),
  'double.fixture': (args: { path: string; servers: FixtureServer[]; options?: Record<string, unknown> }) => {
    writeFixture(args.path, revive(args.servers), args.options ?? {});
    return args.path;
  },
  'double.log': (args: { path: string }) => bigintsAsStrings(readLog(args.path)),
  /** The double's buffers that were allocated and never freed, by its log. */
  'double.leaked': (args: { path: string }) => bigintsAsStrings(leakedBuffers(readLog(args.path))),
};

/** JSON cannot carry bigints (pointers, FILETIMEs): they travel as decimal strings. */
function bigintsAsStrings(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

/** FILETIMEs travel as strings ("ft:<100ns ticks>") or as minutes ago ({"minutesAgo": n}). */
function revive(servers: FixtureServer[]): FixtureServer[] {
  const now = Date.now();
  const ft = (v: unknown): unknown => {
    if (v && typeof v === 'object' && 'minutesAgo' in v) {
      const ms = now - Number((v as { minutesAgo: number }).minutesAgo) * 60_000;
      return BigInt(ms) * 10_000n + 116444736000000000n;
    }
    if (typeof v === 'string' && v.startsWith('ft:')) return BigInt(v.slice(3));
    return v;
  };
  return servers.map((s) => ({
    ...s,
    sessions: s.sessions?.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, ft(v)]))) as unknown as FixtureServer["sessions"],
  }));
}

async function shutdown(): Promise<void> {
  try {
    if (sshd) await sshd.stop();
  } catch (e) {
    process.stderr.write(`fixture: sshd stop: ${(e as Error).message}\n`);
  }
  stopAll();
  removeDir(dir);
}

const rl = createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let id: unknown = null;
    try {
      const req = JSON.parse(line) as { id: unknown; op: string; args?: unknown };
      id = req.id;
      const handler = ops[req.op];
      if (!handler) throw new Error(`unknown fixture op '${req.op}'`);
      const result = await handler(req.args ?? {});
      process.stdout.write(JSON.stringify({ id, result: result ?? null }) + '\n');
    } catch (e) {
      process.stdout.write(JSON.stringify({ id, error: (e as Error).stack ?? String(e) }) + '\n');
    }
  });
});
rl.on('close', () => {
  void chain.then(shutdown).then(() => process.exit(0));
});
for (const sig of ['SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void shutdown().then(() => process.exit(0)));
