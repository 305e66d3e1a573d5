/**
 * The Windows build of PowerShell 7.6.9 under wine64: a test-time pwsh.exe (tests/windows-pwsh/,
 * published for win-x64 and cached by a hash of its sources in .tools/windows-pwsh/), started by
 * one function here in a Wine prefix of the caller's own (tests/support/wine.ts), with everything
 * a Pester file needs to run against the module staged for Windows (tools/stage-windows.ts).
 *
 * What Wine 8 needs (docs/windows-under-wine.md has the whole list):
 * - WINEDLLOVERRIDES without `mscoree=` (wineEnv() in wine.ts); the prefix's Graphics=null.
 * - No terminal: pwsh.exe is started with SESSIONTOOLS_WINE_NEW_CONSOLE=1 and makes itself an
 *   invisible console (tests/windows-pwsh/Program.cs); under a pty (tmux) it uses that instead.
 * - stderr goes to a FILE: node.exe started by PowerShell inherits it, and node.exe dies with EBADF
 *   on a Linux pipe (wine.ts). Wine's "Read access denied for device Z:" lines are dropped from it.
 * - NO_COLOR=1: $PSStyle.OutputRendering is PlainText (no ANSI codes in what tests read).
 * - DOTNET_EnableWriteXorExecute=0: with .NET's W^X double mapping of JIT code, pwsh.exe under Wine
 *   dies with "Internal CLR error (0x80131506)" in DynamicResolver's finalizer once Pester loads.
 * - NODE_SKIP_PLATFORM_CHECK=1: Wine reports Windows 6.1, which Node 22 refuses without it.
 * - The fixture server (tests/support/fixture-server.ts) runs on Windows node.exe with tsx, whose
 *   compiler is esbuild's win32-x64 esbuild.exe (ESBUILD_BINARY_PATH). Its Go runtime loads
 *   bcryptprimitives.dll, which Wine 8 lacks: a small one (tests/windows-pwsh/bcryptprimitives.c,
 *   built with mingw-w64) is put into each prefix's system32.
 * - Every run has a deadline (some Windows commands, e.g. Get-WinEvent, hang under Wine).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmPackage, withCacheLock } from '../../tools/stage-windows.ts';
import { pesterManifest } from '../../tools/powershell.mjs';
import { KOFFI_VERSION, ROOT, WINE64, createWinePrefix, killWinePrefix, mingwMissing, wineAvailability, prepareWindowsNode, run, sleep, timings, toWindowsPath, windowsStage, wineEnv } from './wine.ts';

/**
 * Why the Windows PowerShell cannot run here (null when it can): Wine (wineAvailability()), the
 * .NET SDK (to publish pwsh.exe) and mingw-w64 (the double and the bcryptprimitives.dll shim).
 * Under CI=true a missing part THROWS: CI never silently skips the Windows suite.
 */
export function windowsPwshUnavailable(): string | null {
  const wine = wineAvailability();
  let reason = wine.ok ? null : wine.reason;
  reason ??= mingwMissing();
  if (reason === null) {
    try {
      execFileSync('dotnet', ['--version'], { stdio: 'ignore' });
    } catch {
      reason = 'dotnet (the .NET SDK 10) is missing';
    }
  }
  if (reason !== null && process.env.CI === 'true') throw new Error(`the Windows PowerShell cannot run under CI=true: ${reason}`);
  return reason;
}

/** The sources of the test-time Windows PowerShell. */
export const PROJECT = join(ROOT, 'tests', 'windows-pwsh');
const PROJECT_FILES = ['WindowsPwsh.csproj', 'Program.cs', 'powershell.config.json'];
const SHIM_FILES = ['bcryptprimitives.c', 'bcryptprimitives.def'];
const CACHE = join(ROOT, '.tools', 'windows-pwsh');
const PUBLISH_TIMEOUT_MS = 15 * 60_000;

function hashOf(files: string[], extra: string): string {
  const hash = createHash('sha256').update(extra);
  for (const f of files) hash.update(`\0${f}\0`).update(readFileSync(join(PROJECT, f)));
  return hash.digest('hex').slice(0, 16);
}

/** Folders of older builds, unused for an hour. */
function sweep(keep: string, prefix: string): void {
  for (const name of readdirSync(CACHE)) {
    const p = join(CACHE, name);
    if (p === keep || !name.startsWith(prefix) || name.includes('.staging-')) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > 3600_000) rmSync(p, { recursive: true, force: true });
    } catch {
      /* raced with another sweeper */
    }
  }
}

let built: Promise<string> | null = null;

/**
 * $PSHOME of the test-time Windows PowerShell (pwsh.exe, Modules, powershell.config.json):
 * `dotnet publish` of tests/windows-pwsh (win-x64, self-contained; NuGet gives the runtime packs
 * and Microsoft.PowerShell.SDK), made once per source hash and .NET SDK version.
 */
export function buildWindowsPwsh(): Promise<string> {
  built ??= (async () => {
    const sdk = execFileSync('dotnet', ['--version'], { encoding: 'utf8' }).trim();
    const home = join(CACHE, `pwsh-${hashOf(PROJECT_FILES, sdk)}`);
    const done = (): boolean => existsSync(join(home, 'pwsh.exe')) && existsSync(join(home, '.complete'));
    if (done()) return home;
    return withCacheLock('windows-pwsh', async () => {
      if (done()) return home;
      const t0 = Date.now();
      const staging = `${home}.staging-${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(join(staging, 'src'), { recursive: true });
      try {
        for (const f of PROJECT_FILES) copyFileSync(join(PROJECT, f), join(staging, 'src', f));
        await run('dotnet', ['publish', join(staging, 'src'), '-c', 'Release', '-o', join(staging, 'home'), '-nologo', '-v', 'quiet', '-clp:ErrorsOnly'], {
          env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
          timeoutMs: PUBLISH_TIMEOUT_MS,
        });
        for (const f of ['pwsh.exe', 'powershell.config.json', join('Modules', 'Microsoft.PowerShell.Utility', 'Microsoft.PowerShell.Utility.psd1')]) {
          if (!existsSync(join(staging, 'home', f))) throw new Error(`dotnet publish of tests/windows-pwsh left no ${f}`);
        }
        closeSync(openSync(join(staging, 'home', '.complete'), 'w'));
        rmSync(home, { recursive: true, force: true });
        renameSync(join(staging, 'home'), home);
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
      sweep(home, 'pwsh-');
      timings.publishWindowsPwsh = Date.now() - t0;
      return home;
    });
  })();
  built.catch(() => {
    built = null;
  });
  return built;
}

/** bcryptprimitives.dll for Wine 8 (see the header), built with mingw-w64 once per source hash. */
export function buildBcryptShim(): string {
  const dll = join(CACHE, `bcryptprimitives-${hashOf(SHIM_FILES, 'x86_64-w64-mingw32-gcc -O2')}.dll`);
  if (existsSync(dll)) return dll;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${dll}.${process.pid}.tmp`;
  execFileSync('x86_64-w64-mingw32-gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-static-libgcc', '-o', tmp, ...SHIM_FILES.map((f) => join(PROJECT, f)), '-ladvapi32'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  renameSync(tmp, dll);
  return dll;
}

/** A Wine prefix of the caller's own, ready for the Windows PowerShell (dispose with disposeWinePrefix). */
export async function createWindowsPwshPrefix(): Promise<string> {
  const prefix = await createWinePrefix();
  // A copy, not a link: the template's files are hard-linked into every clone.
  copyFileSync(buildBcryptShim(), join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll'));
  return prefix;
}

/** Everything the Windows test run uses, made or found: pwsh.exe, the Windows stage, node.exe, esbuild.exe. */
export interface WindowsPwshKit {
  pwshExe: string;
  stage: string;
  nodeExe: string;
  esbuildExe: string;
  /** A NODE_PATH folder holding @koromix/koffi-win32-x64, as npm would install it on Windows. */
  nodePath: string;
}

/**
 * node_modules has koffi's Linux binary only; tests/ code run by node.exe (the fixture server
 * imports tests/wts/support/double.ts, which uses koffi) finds the Windows one through NODE_PATH
 * (koffi looks for @koromix/koffi-<platform>-<arch> with require, which searches NODE_PATH).
 */
function koffiNodePath(koffiDir: string): string {
  const dir = join(CACHE, `node-path-koffi-${KOFFI_VERSION}`);
  const pkg = join(dir, '@koromix', 'koffi-win32-x64');
  if (!existsSync(join(pkg, 'package.json'))) {
    const staging = `${dir}.staging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(koffiDir, join(staging, '@koromix', 'koffi-win32-x64'), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  return dir;
}

export async function prepareWindowsPwshKit(): Promise<WindowsPwshKit> {
  const esbuildVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')) as { version: string }).version;
  const [home, stage, node, esbuildDir] = await Promise.all([
    buildWindowsPwsh(),
    windowsStage(),
    prepareWindowsNode(),
    npmPackage('@esbuild/win32-x64', esbuildVersion),
  ]);
  return { pwshExe: join(home, 'pwsh.exe'), stage, nodeExe: node.nodeExe, esbuildExe: join(esbuildDir, 'esbuild.exe'), nodePath: koffiNodePath(node.koffiDir) };
}

/**
 * The environment the project's Pester files read (tests/support/TestFixture.psm1), as Windows
 * paths: the PowerShell under test, the module under test (the Windows stage), Pester, and the
 * fixture server's runtime (Windows node.exe, with tsx compiling through esbuild.exe).
 */
export function pesterEnvironment(kit: WindowsPwshKit): Record<string, string> {
  return {
    SESSIONTOOLS_TEST_PWSH: toWindowsPath(kit.pwshExe),
    SESSIONTOOLS_TEST_MODULE: toWindowsPath(join(kit.stage, 'SessionTools.psd1')),
    SESSIONTOOLS_PESTER: toWindowsPath(pesterManifest()),
    SESSIONTOOLS_TEST_NODE: toWindowsPath(kit.nodeExe),
    ESBUILD_BINARY_PATH: toWindowsPath(kit.esbuildExe),
    NODE_PATH: toWindowsPath(kit.nodePath),
  };
}

/** Lines Wine writes to stderr on its own (not the program's). */
const WINE_NOISE = /^wine: Read access denied for device L"\\\\\?\?\\\\Z:\\\\", FS volume label and serial are not available\.\r?\n/gm;

export function withoutWineNoise(stderr: string): string {
  return stderr.replace(WINE_NOISE, '');
}

/** The environment of pwsh.exe under Wine: the prefix's, plus what every run needs (see the header). */
export function windowsPwshEnv(prefix: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return wineEnv(prefix, { NO_COLOR: '1', NODE_SKIP_PLATFORM_CHECK: '1', DOTNET_EnableWriteXorExecute: '0', ...extra });
}

export interface WindowsPwshRun {
  code: number | null;
  /** As written: Windows line ends (CRLF). */
  stdout: string;
  /** Without Wine's own noise. */
  stderr: string;
  ms: number;
}

let runs = 0;

/**
 * Runs pwsh.exe under wine64 in `prefix` with `args` (stdin: `stdin`, then closed; a fresh
 * invisible console) and waits for it. After `timeoutMs` it is killed by pid, with every process
 * of the prefix, and this throws with what it wrote so far.
 */
export async function runWindowsPwsh(opts: {
  kit: WindowsPwshKit;
  prefix: string;
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  timeoutMs: number;
}): Promise<WindowsPwshRun> {
  const stderrFile = join(opts.prefix, `pwsh-stderr-${process.pid}-${++runs}.txt`);
  const fd = openSync(stderrFile, 'w');
  const t0 = Date.now();
  let child;
  try {
    child = spawn(WINE64, [opts.kit.pwshExe, ...opts.args], {
      cwd: ROOT,
      env: windowsPwshEnv(opts.prefix, { SESSIONTOOLS_WINE_NEW_CONSOLE: '1', ...opts.env }),
      stdio: ['pipe', 'pipe', fd],
    });
  } finally {
    closeSync(fd);
  }
  const out: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stdin!.on('error', () => {});
  child.stdin!.end(opts.stdin ?? '');
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), opts.timeoutMs)))]);
  clearTimeout(timer);
  const read = (): { stdout: string; stderr: string } => ({
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: withoutWineNoise(existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : ''),
  });
  if (code === 'timeout') {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    await killWinePrefix(opts.prefix);
    const { stdout, stderr } = read();
    throw new Error(`pwsh.exe ${opts.args.join(' ')} did not end within ${opts.timeoutMs} ms under Wine\nstdout: ${stdout.slice(-4000)}\nstderr: ${stderr.slice(-4000)}`);
  }
  // stdout can still hold data when 'exit' comes first.
  await new Promise<void>((r) => (child.stdout!.readableEnded ? r() : child.stdout!.once('close', () => r())));
  const written = read();
  rmSync(stderrFile, { force: true });
  return { code, ...written, ms: Date.now() - t0 };
}

// ---------------------------------------------------------------------------------------------
// At a terminal: pwsh.exe under wine64 in a private tmux server (Wine gives it a console on the pty)

export interface WineTerminal {
  /** The tmux server's pid (stop() ends it and everything of the prefix). */
  serverPid: number;
  /** Types `text` literally; `key` names a key instead (Enter, C-c). */
  type(text: string): void;
  key(name: string): void;
  /** The pane's whole history, wrapped lines joined. */
  screen(): string;
  /** Resolves with the screen once `pattern` matches it `times` times or more; throws with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp, times?: number, timeoutMs?: number): Promise<string>;
  /** The exit code of pwsh.exe once it ended and tmux has its status (the pane stays), else null. */
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** Starts pwsh.exe `args` under wine64 in `prefix`, in a 160x50 tmux pane of its own server. */
export async function startWindowsPwshInTerminal(opts: { kit: WindowsPwshKit; prefix: string; args: string[]; env?: Record<string, string> }): Promise<WineTerminal> {
  const dir = mkdtempSync(join(tmpdir(), 'st-wine-tmux-'));
  const socket = join(dir, 'socket');
  const env = windowsPwshEnv(opts.prefix, opts.env);
  const tmux = (args: string[]): string => execFileSync('tmux', ['-S', socket, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let serverPid = 0;
  const stop = async (): Promise<void> => {
    if (serverPid > 0) {
      try {
        process.kill(serverPid, 'SIGKILL'); // the pane's wine64 loses its terminal; the prefix is ended next
      } catch {
        /* gone */
      }
    }
    await killWinePrefix(opts.prefix);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The server takes its environment from this first command's process.
    tmux(['-f', '/dev/null', 'new-session', '-d', '-x', '160', '-y', '50', '-c', ROOT, '--', WINE64, opts.kit.pwshExe, ...opts.args]);
    tmux(['set-option', '-g', 'remain-on-exit', 'on']);
    serverPid = Number(tmux(['display-message', '-p', '#{pid}']).trim());
  } catch (e) {
    await stop();
    throw e;
  }
  const screen = (): string => tmux(['capture-pane', '-p', '-J', '-S', '-', '-E', '-']);
  return {
    serverPid,
    type: (text) => void tmux(['send-keys', '-l', text]),
    key: (name) => void tmux(['send-keys', name]),
    screen,
    async waitFor(pattern, times = 1, timeoutMs = 30_000) {
      const all = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const shown = screen();
        if ((shown.match(all) ?? []).length >= times) return shown;
        if (Date.now() > deadline) throw new Error(`the terminal did not show ${pattern} ${times} time(s) within ${timeoutMs} ms; it shows:\n${shown}`);
        await sleep(100);
      }
    },
    exitCode() {
      // tmux marks the pane dead when its terminal closes, and fills the status only once it has
      // reaped the child (tmux 3.3a's format.c: pane_dead is the closed descriptor, pane_dead_status
      // needs PANE_STATUSREADY): between the two the status is empty, and that is not an exit code yet.
      const [dead, status] = tmux(['display-message', '-p', '#{pane_dead} #{pane_dead_status}']).trim().split(' ');
      return dead === '1' && status !== undefined && /^\d+$/.test(status) ? Number(status) : null;
    },
    stop,
  };
}
