/**
 * TypeScript side of the wtsapi32 C test double (tests/wts/double/).
 *
 * The double was written from Microsoft's documentation, independently of the bindings in src/.
 * The full fixture and log formats are documented at the end of tests/wts/double/wtsdouble.h;
 * this module writes fixtures, parses logs and builds the library.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';

export const DOUBLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'double');
/** Sources compiled into the library (other .c files in the directory are test drivers). */
export const DOUBLE_SOURCES = ['wtsdouble.c', 'platform.c'] as const;

export type DoubleKind = 'linux' | 'windows';

const COMPILERS: Record<DoubleKind, { cc: string; args: (out: string) => string[]; file: string }> = {
  linux: {
    cc: 'cc',
    file: 'libwtsapi32_double.so',
    args: (out) => [
      '-std=c11', '-O2', '-g', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-fvisibility=hidden',
      '-pthread', '-o', out, ...DOUBLE_SOURCES.map((f) => join(DOUBLE_DIR, f)),
    ],
  },
  windows: {
    cc: 'x86_64-w64-mingw32-gcc',
    file: 'wtsapi32_double.dll',
    args: (out) => [
      '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-D__USE_MINGW_ANSI_STDIO=1', '-shared',
      '-static-libgcc', '-o', out, ...DOUBLE_SOURCES.map((f) => join(DOUBLE_DIR, f)),
      join(DOUBLE_DIR, 'wtsdouble.def'),
    ],
  },
};

/** Hash of every .c/.h/.def file of the double plus the compiler command line. */
export function doubleSourceHash(kind: DoubleKind): string {
  const h = createHash('sha256');
  const c = COMPILERS[kind];
  h.update(`${kind}\0${c.cc}\0${c.args('OUT').join(' ')}\0`);
  for (const f of readdirSync(DOUBLE_DIR).filter((n) => /\.(c|h|def)$/.test(n)).sort()) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(DOUBLE_DIR, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Compiles the double (cached in $TMPDIR/sessiontools-wtsdouble/<hash>/) and returns the absolute
 * path of the .so (linux) or .dll (windows, built with x86_64-w64-mingw32-gcc).
 * Safe to call from parallel test workers: the build goes to a unique name and is renamed.
 */
export function buildDouble(kind: DoubleKind): string {
  const c = COMPILERS[kind];
  const dir = join(tmpdir(), 'sessiontools-wtsdouble', doubleSourceHash(kind));
  const out = join(dir, c.file);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${process.pid}.${Date.now()}.${c.file}`);
  try {
    execFileSync(c.cc, c.args(tmp), { stdio: ['ignore', 'pipe', 'pipe'] });
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`building the ${kind} WTS double failed: ${err.stderr?.toString() ?? err.message}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fixture

/** WTS_CONNECTSTATE_CLASS values. */
export const WtsState = {
  Active: 0,
  Connected: 1,
  ConnectQuery: 2,
  Shadow: 3,
  Disconnected: 4,
  Idle: 5,
  Listen: 6,
  Reset: 7,
  Down: 8,
  Init: 9,
} as const;
export type WtsState = keyof typeof WtsState;

export type DenyOperation = 'query' | 'disconnect' | 'logoff' | 'message';

export interface FixtureSession {
  id: number;
  /** A number (0..9) or a WTS_CONNECTSTATE_CLASS name such as 'Active'. */
  state: number | WtsState;
  winStation: string;
  /** null/undefined/'' = nobody logged on (NULL pUserName/pDomainName in WTS_SESSION_INFO_1W). */
  user?: string | null;
  domain?: string | null;
  clientName?: string | null;
  /** IPv4/IPv6 text, or 'raw:<family>:<hex>' for verbatim WTS_CLIENT_ADDRESS bytes; null = AF_UNSPEC. */
  address?: string | null;
  logon?: bigint;
  connect?: bigint;
  disconnect?: bigint;
  lastInput?: bigint;
  /** 0n/undefined = the double's real clock at query time. */
  current?: bigint;
  /** 1 locked, 0 unlocked, -1 unknown (default -1). */
  locked?: 0 | 1 | -1;
  /** WTSClientProtocolType: 0 console, 1 ICA, 2 RDP (default 0). */
  protocol?: 0 | 1 | 2;
  /** WTSSendMessageW(bWait=1) answer (default IDOK=1); 'none' = never answers (IDTIMEOUT). */
  reply?: number | 'none';
  /** How long the simulated user takes to answer, in ms (default 0). */
  replyMs?: number;
  /** Operations that fail with ERROR_ACCESS_DENIED (5) on this session. */
  deny?: DenyOperation[];
  /**
   * Every query on this session fails with this Win32 code, though enumerations list it (7022: it
   * ended right after the enumeration; 1722: the server stopped answering); only queries of
   * `queryFailClass` when given.
   */
  queryFail?: number;
  queryFailClass?: number;
}

/** A process of a server, for WTSEnumerateProcessesExW (a `proc` line, wtsdouble.h). */
export interface FixtureProcess {
  session: number;
  pid: number;
  name: string;
  /** null/undefined: no SID (pUserSid NULL). */
  user?: string | null;
  domain?: string | null;
  threads?: number;
  handles?: number;
  pagefile?: number;
  peakPagefile?: number;
  workingSet?: number;
  peakWorkingSet?: number;
  userTime?: bigint;
  kernelTime?: bigint;
}

export interface FixtureServer {
  /** '.' (or '') = the local server / WTS_CURRENT_SERVER_HANDLE. */
  name: string;
  latencyMs?: number;
  /** Win32 error every call on this server's handles fails with (1722 dead host, 5 denied). */
  fail?: number;
  /**
   * '6.1' reverses SessionFlags (Win7/2008R2 defect); '6.0' is a Vista/2008 server without
   * WTSEnumerateSessionsExW and WTSSessionInfoEx (both fail with 1745, see wtsdouble.h);
   * default '10.0'.
   */
  version?: string;
  /** WTSEnumerateSessionsW alone fails with this Win32 code (with version '6.0': the classic enumeration refused). */
  classicFail?: number;
  sessions: FixtureSession[];
  /** Its processes, in WTSEnumerateProcessesExW order. */
  processes?: FixtureProcess[];
  /** WTSGetActiveConsoleSessionId (local server only); 'none' = 0xFFFFFFFF. */
  consoleSession?: number | 'none';
}

export interface FixtureOptions {
  /** The caller's own session (WTS_CURRENT_SESSION, ProcessIdToSessionId(own pid)). */
  self?: number;
  /** ProcessIdToSessionId mapping pid -> session id. */
  processes?: Record<number, number>;
}

/** Percent-encodes a fixture string field; null/undefined/'' -> '-'. */
export function encodeField(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '-';
  return encodeURIComponent(v).replace(/[-!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function u32(v: number, what: string): string {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what}: ${v} is not a DWORD`);
  return String(v);
}

function stateNumber(s: number | WtsState): number {
  return typeof s === 'number' ? s : WtsState[s];
}

export function fixtureText(servers: FixtureServer[], options: FixtureOptions = {}): string {
  const lines: string[] = ['# WTS test double fixture (format: tests/wts/double/wtsdouble.h)'];
  for (const sv of servers) {
    const name = sv.name === '' || sv.name === '.' ? '.' : encodeField(sv.name);
    const opts = [
      sv.latencyMs !== undefined ? `latency_ms=${u32(sv.latencyMs, 'latencyMs')}` : '',
      sv.fail !== undefined ? `fail=${u32(sv.fail, 'fail')}` : '',
      sv.version !== undefined ? `version=${encodeField(sv.version)}` : '',
      sv.classicFail !== undefined ? `classic_fail=${u32(sv.classicFail, 'classicFail')}` : '',
    ].filter(Boolean);
    lines.push(['server', name, ...opts].join(' '));
    for (const s of sv.sessions) {
      const f: string[] = [
        'session',
        u32(s.id, 'id'),
        String(stateNumber(s.state)),
        s.winStation === '' ? '-' : encodeField(s.winStation),
        encodeField(s.user),
        encodeField(s.domain),
        encodeField(s.clientName),
        s.address ? encodeField(s.address) : '-',
        String(s.logon ?? 0n),
        String(s.connect ?? 0n),
        String(s.disconnect ?? 0n),
        String(s.lastInput ?? 0n),
        String(s.current ?? 0n),
        String(s.locked ?? -1),
        String(s.protocol ?? 0),
      ];
      if (s.reply !== undefined) f.push(`reply=${s.reply === 'none' ? 'none' : u32(s.reply, 'reply')}`);
      if (s.replyMs !== undefined) f.push(`reply_ms=${u32(s.replyMs, 'replyMs')}`);
      if (s.deny?.length) f.push(`deny=${s.deny.join(',')}`);
      if (s.queryFail !== undefined) f.push(`query_fail=${u32(s.queryFail, 'queryFail')}`);
      if (s.queryFailClass !== undefined) f.push(`query_fail_class=${u32(s.queryFailClass, 'queryFailClass')}`);
      lines.push(f.join(' '));
    }
    for (const p of sv.processes ?? []) {
      const counters = [p.threads, p.handles, p.pagefile, p.peakPagefile, p.workingSet, p.peakWorkingSet].map((v, i) => u32(v ?? 0, `process counter ${i}`));
      lines.push(['proc', u32(p.session, 'session'), u32(p.pid, 'pid'), encodeField(p.name), encodeField(p.user), encodeField(p.domain), ...counters, String(p.userTime ?? 0n), String(p.kernelTime ?? 0n)].join(' '));
    }
    if (sv.consoleSession !== undefined) {
      lines.push(`console ${sv.consoleSession === 'none' ? 'none' : u32(sv.consoleSession, 'consoleSession')}`);
    }
  }
  if (options.self !== undefined) lines.push(`self ${u32(options.self, 'self')}`);
  for (const [pid, sid] of Object.entries(options.processes ?? {})) {
    lines.push(`process ${u32(Number(pid), 'pid')} ${u32(sid, 'session')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the fixture atomically (temp file + rename), so a double reading it concurrently never
 * sees a half-written file. The double re-reads it when a call starts a new look at a server (open,
 * enumerate) and re-parses it when it changed.
 */
export function writeFixture(path: string, servers: FixtureServer[], options: FixtureOptions = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, fixtureText(servers, options));
  renameSync(tmp, path);
}

type SetEnv = (name: string, value: string, overwrite: number) => number;
let setenv: SetEnv | null = null;

/**
 * Points a double loaded in THIS process at a fixture and a log. The double reads both with C
 * getenv(), which sees process.env only in a process's main thread: in a worker thread (vitest's
 * threads pool, which mutation testing uses) process.env is the thread's own copy. So the C
 * environment is set as well, with libc's setenv (Linux: the only platform this runs in-process).
 */
export function useDoubleFiles(fixture: string, log: string): void {
  process.env.WTSDOUBLE_FIXTURE = fixture;
  process.env.WTSDOUBLE_LOG = log;
  setenv ??= koffi.load('libc.so.6').func('int setenv(const char *name, const char *value, int overwrite)') as unknown as SetEnv;
  for (const [name, value] of [['WTSDOUBLE_FIXTURE', fixture], ['WTSDOUBLE_LOG', log]] as const) {
    if (setenv(name, value, 1) !== 0) throw new Error(`setenv(${name}) failed`);
  }
}

/** 100-ns ticks since 1601-01-01 UTC. */
export function toFileTime(date: Date): bigint {
  return BigInt(date.getTime()) * 10000n + 116444736000000000n;
}
export function fromFileTime(ft: bigint): Date {
  return new Date(Number((ft - 116444736000000000n) / 10000n));
}

// ---------------------------------------------------------------------------------------------
// Log

interface EventBase {
  /** Microseconds since the Unix epoch (the double's clock). */
  t: number;
  tid: number;
  raw: string;
}
interface Timed {
  ok: boolean;
  error: number;
  t0: number;
  t1: number;
}
export type BufferKind = 'sessions' | 'sessions1' | 'query' | 'processes1';
export type LoadEvent = EventBase & { event: 'load'; path: string | null; servers: number; sessions: number };
export type FixtureErrorEvent = EventBase & { event: 'fixture_error'; line: number; reason: string };
export type OpenEvent = EventBase & {
  event: 'open';
  fn: 'WTSOpenServerW' | 'WTSOpenServerExW';
  server: string;
  handle: bigint;
};
export type CloseEvent = EventBase & { event: 'close'; handle: bigint; server: string | null; ok: boolean };
export type CallEvent = EventBase &
  Timed & {
    event: 'call';
    fn: 'WTSEnumerateSessionsW' | 'WTSEnumerateSessionsExW' | 'WTSQuerySessionInformationW' | 'WTSEnumerateProcessesExW';
    server: string;
    session: number | null;
    infoClass: number | null;
    count: number;
  };
export type AllocEvent = EventBase & {
  event: 'alloc';
  ptr: bigint;
  kind: BufferKind;
  fn: string;
  count: number;
  bytes: number;
};
export type FreeEvent = EventBase & {
  event: 'free';
  ptr: bigint;
  fn: 'WTSFreeMemory' | 'WTSFreeMemoryExW';
  kind: BufferKind;
  type: number | null;
  count: number | null;
};
export type BadFreeEvent = EventBase & {
  event: 'badfree';
  ptr: bigint;
  fn: 'WTSFreeMemory' | 'WTSFreeMemoryExW';
  kind: BufferKind | null;
  type: number | null;
  count: number | null;
  reason: string;
};
interface SessionAction {
  server: string;
  session: number;
  /** bWait as passed */
  wait: number;
}
export type DisconnectEvent = EventBase & Timed & SessionAction & { event: 'disconnect'; fn: 'WTSDisconnectSession' };
export type LogoffEvent = EventBase & Timed & SessionAction & { event: 'logoff'; fn: 'WTSLogoffSession' };
export type SessionActionEvent = DisconnectEvent | LogoffEvent;
export type MessageEvent = EventBase &
  Timed & {
    event: 'message';
    fn: 'WTSSendMessageW';
    server: string;
    session: number;
    titleBytes: number;
    messageBytes: number;
    style: number;
    timeout: number;
    wait: number;
    response: number;
    title: string | null;
    message: string | null;
    titleHex: string;
    messageHex: string;
  };
export type ConsoleEvent = EventBase & { event: 'console'; session: number };
export type PidEvent = EventBase & { event: 'pid'; pid: number; session: number; ok: boolean; error: number };
export type LookupEvent = EventBase & { event: 'lookup'; fn: 'LookupAccountSidW'; system: string | null; sid: string; name: string | null; ok: boolean; error: number };
export type LockEvent = EventBase & { event: 'lock'; fn: 'LockWorkStation'; session: number; ok: boolean; error: number };

export type DoubleEvent =
  | LoadEvent
  | FixtureErrorEvent
  | OpenEvent
  | CloseEvent
  | CallEvent
  | AllocEvent
  | FreeEvent
  | BadFreeEvent
  | DisconnectEvent
  | LogoffEvent
  | MessageEvent
  | ConsoleEvent
  | PidEvent
  | LockEvent
  | LookupEvent;

/** Decodes a percent-encoded log value; '-' -> null. */
export function decodeValue(v: string | undefined): string | null {
  if (v === undefined || v === '-') return null;
  return decodeURIComponent(v);
}

/** Parses one log line into its event name and raw key=value fields. */
export function parseLogLine(line: string): { event: string; fields: Record<string, string> } {
  const [event = '', ...rest] = line.split(' ');
  const fields: Record<string, string> = {};
  for (const kv of rest) {
    const i = kv.indexOf('=');
    if (i > 0) fields[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { event, fields };
}

/** Reads and parses the double's log; a missing file gives []. */
export function readLog(path: string): DoubleEvent[] {
  if (!existsSync(path)) return [];
  const out: DoubleEvent[] = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (!raw) continue;
    const { event, fields: f } = parseLogLine(raw);
    const num = (k: string): number => {
      const v = f[k];
      if (v === undefined || v === '-') throw new Error(`double log: ${k} missing in: ${raw}`);
      return Number(v);
    };
    const optNum = (k: string): number | null => (f[k] === undefined || f[k] === '-' ? null : Number(f[k]));
    const ptr = (k: string): bigint => BigInt(f[k] ?? '0');
    const str = (k: string): string => decodeValue(f[k]) ?? '';
    const base: EventBase = { t: num('t'), tid: num('tid'), raw };
    const timed = (): Timed => ({ ok: f.ok === '1', error: num('error'), t0: num('t0'), t1: num('t1') });
    switch (event) {
      case 'load':
        out.push({ ...base, event, path: decodeValue(f.path), servers: num('servers'), sessions: num('sessions') });
        break;
      case 'fixture_error':
        out.push({ ...base, event, line: num('line'), reason: str('reason') });
        break;
      case 'open':
        out.push({ ...base, event, fn: f.fn as OpenEvent['fn'], server: str('server'), handle: ptr('handle') });
        break;
      case 'close':
        out.push({ ...base, event, handle: ptr('handle'), server: decodeValue(f.server), ok: f.ok === '1' });
        break;
      case 'call':
        out.push({
          ...base,
          ...timed(),
          event,
          fn: f.fn as CallEvent['fn'],
          server: str('server'),
          session: optNum('session'),
          infoClass: optNum('class'),
          count: num('count'),
        });
        break;
      case 'alloc':
        out.push({
          ...base,
          event,
          ptr: ptr('ptr'),
          kind: f.kind as BufferKind,
          fn: str('fn'),
          count: num('count'),
          bytes: num('bytes'),
        });
        break;
      case 'free':
        out.push({
          ...base,
          event,
          ptr: ptr('ptr'),
          fn: f.fn as FreeEvent['fn'],
          kind: f.kind as BufferKind,
          type: optNum('type'),
          count: optNum('count'),
        });
        break;
      case 'badfree':
        out.push({
          ...base,
          event,
          ptr: ptr('ptr'),
          fn: f.fn as BadFreeEvent['fn'],
          kind: f.kind === '-' ? null : (f.kind as BufferKind),
          type: optNum('type'),
          count: optNum('count'),
          reason: str('reason'),
        });
        break;
      case 'disconnect':
      case 'logoff': {
        const action: SessionAction = { server: str('server'), session: num('session'), wait: num('wait') };
        if (event === 'disconnect') out.push({ ...base, ...timed(), ...action, event, fn: 'WTSDisconnectSession' });
        else out.push({ ...base, ...timed(), ...action, event, fn: 'WTSLogoffSession' });
        break;
      }
      case 'message':
        out.push({
          ...base,
          ...timed(),
          event,
          fn: 'WTSSendMessageW',
          server: str('server'),
          session: num('session'),
          titleBytes: num('title_bytes'),
          messageBytes: num('message_bytes'),
          style: num('style'),
          timeout: num('timeout'),
          wait: num('wait'),
          response: num('response'),
          title: decodeValue(f.title),
          message: decodeValue(f.message),
          titleHex: f.title_hex === '-' ? '' : (f.title_hex ?? ''),
          messageHex: f.message_hex === '-' ? '' : (f.message_hex ?? ''),
        });
        break;
      case 'console':
        out.push({ ...base, event, session: num('session') });
        break;
      case 'pid':
        out.push({ ...base, event, pid: num('pid'), session: num('session'), ok: f.ok === '1', error: num('error') });
        break;
      case 'lookup':
        out.push({ ...base, event, fn: 'LookupAccountSidW', system: decodeValue(f.system), sid: str('sid'), name: decodeValue(f.name), ok: f.ok === '1', error: num('error') });
        break;
      case 'lock':
        out.push({ ...base, event, fn: 'LockWorkStation', session: num('session'), ok: f.ok === '1', error: num('error') });
        break;
      default:
        throw new Error(`double log: unknown event in: ${raw}`);
    }
  }
  return out;
}

/**
 * Waits until every server handle the double opened (per the log at `path`) was closed again, as
 * workers given up on finish their calls in the background. False when `ms` pass first.
 */
export async function handlesClosed(path: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const events = readLog(path);
    if (events.filter((e) => e.event === 'close').length >= events.filter((e) => e.event === 'open').length) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Live buffers according to the log: alloc events whose pointer was never freed. */
export function leakedBuffers(events: DoubleEvent[]): AllocEvent[] {
  const live = new Map<bigint, AllocEvent>();
  for (const e of events) {
    if (e.event === 'alloc') live.set(e.ptr, e);
    else if (e.event === 'free') live.delete(e.ptr);
  }
  return [...live.values()];
}

/** The most calls that were inside the double at one moment, by their t0/t1 (an end and a start at the same time do not overlap). */
export function mostAtOnce(calls: readonly { t0: number; t1: number }[]): number {
  const edges = calls.flatMap((c) => [
    [c.t0, 1],
    [c.t1, -1],
  ]);
  edges.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let now = 0;
  let most = 0;
  for (const [, step] of edges) {
    now += step as number;
    most = Math.max(most, now);
  }
  return most;
}
