/**
 * `npm run package`: the release, under dist/ (ignored by git), every name carrying package.json's
 * version:
 *   SessionTools.<version>.nupkg              the module for Publish-PSResource / Install-PSResource,
 *                                             with a helper for every platform of package-platforms.ts
 *   SessionTools-<version>-<rid>.zip|tar.gz   the same module for copy deployment, one platform each,
 *                                             as SessionTools/<version>/ (the layout Install-PSResource makes)
 *   SHA256SUMS                                `sha256sum -c` format
 * In the module: the generated files and bin/SessionTools.Types.dll as the build left them in
 * module/, and bin/<rid>/ per platform: the runtime (node or node.exe), helper.mjs and
 * wts-worker.mjs bundled for that platform with koffi inside, and koffi's binary beside them.
 * Needs the build's codegen and types steps first (the npm script runs them). `--if-stale` skips
 * the work when dist/ was made from the same inputs (tests use it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as esbuild, type Plugin } from 'esbuild';
import { pwshPath } from './powershell.mjs';
import { PLATFORMS, type Platform } from './package-platforms.ts';
import { HELPER_ENTRIES, ROOT, npmPackage, withCacheLock } from './stage-windows.ts';

export const DIST = join(ROOT, 'dist');
const MODULE = join(ROOT, 'module');
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** What module/bin holds for the build machine only (its Node, the helper bundled for it). */
const DEV_ONLY = /^bin[\\/](node|node\.exe|[^\\/]+\.mjs|[^\\/]+\.node)$/;

export const artifactNames = {
  nupkg: `SessionTools.${VERSION}.nupkg`,
  archive: (p: Platform) => `SessionTools-${VERSION}-${p.rid}.${p.archive}`,
};

/** Files of module/ (relative paths, sorted) that every package carries. */
function moduleFiles(dir = MODULE, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = rel === '' ? e.name : join(rel, e.name);
      if (e.isDirectory()) return moduleFiles(dir, path);
      return DEV_ONLY.test(path) ? [] : [path];
    });
}

/**
 * esbuild: koffi from its CJS entry, whose static require of this platform's package becomes a
 * require of that package's binary by absolute path, which the copy loader puts beside the
 * bundle (koffi-<hash>.node); the other platforms' packages stay external (koffi requires them
 * in try blocks). The banner gives koffi's CJS code require, __filename and __dirname.
 */
function koffiFor(p: Platform, koffiDir: string): Plugin {
  return {
    name: `koffi-${p.rid}`,
    setup(build) {
      build.onResolve({ filter: /^koffi$/ }, () => ({ path: join(ROOT, 'node_modules', 'koffi', 'index.cjs') }));
      build.onResolve({ filter: /^@koromix\/koffi-/ }, (a) => (a.path === p.koffi.name ? { path: a.path, namespace: 'koffi-binary' } : { path: a.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'koffi-binary' }, () => ({
        contents: `module.exports = require(${JSON.stringify(join(koffiDir, p.koffi.binary))});`,
        loader: 'js',
        resolveDir: koffiDir,
      }));
    },
  };
}

/** bin/<rid>/ of the module in `moduleDir`: the runtime, the helper bundled for the platform, koffi's binary. */
async function stageHelper(p: Platform, moduleDir: string): Promise<void> {
  const out = join(moduleDir, 'bin', p.rid);
  mkdirSync(out, { recursive: true });
  const nodeDir = await npmPackage(p.node.name, p.node.version);
  const koffiDir = await npmPackage(p.koffi.name, p.koffi.version);
  const runtime = join(out, p.runtime);
  // The Linux runtime ships with its symbols: without them it is 18 MB smaller and runs the same.
  if (p.strip) run('strip', ['-o', runtime, join(nodeDir, p.node.file)]);
  else copyFileSync(join(nodeDir, p.node.file), runtime);
  chmodSync(runtime, 0o755);
  await esbuild({
    entryPoints: HELPER_ENTRIES,
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    loader: { '.node': 'copy' },
    define: { __HELPER_VERSION__: JSON.stringify(VERSION) },
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
    },
    plugins: [koffiFor(p, koffiDir)],
    logLevel: 'error',
  });
  const files = readdirSync(out);
  if (!files.some((f) => /^koffi.*\.node$/.test(f))) throw new Error(`package: no koffi binary in ${out} (${files.join(', ')})`);
}

/** SessionTools/<version>/ with the module's files and a helper for each of `platforms`, under `parent`. */
async function stageModule(parent: string, platforms: readonly Platform[]): Promise<string> {
  const dir = join(parent, 'SessionTools', VERSION);
  for (const f of moduleFiles()) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(MODULE, f), join(dir, f));
  }
  for (const p of platforms) await stageHelper(p, dir);
  return dir;
}

function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(file, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The .nupkg, made by PSResourceGet itself: Publish-PSResource of the staged module to a local
 * file repository, in a PowerShell whose HOME is a temporary folder (the repository registration
 * lives there, not in this user's settings).
 */
function nupkg(moduleDir: string, work: string): string {
  const repo = join(work, 'repo');
  const home = join(work, 'home');
  mkdirSync(repo, { recursive: true });
  // .NET's GetFolderPath gives '' for a folder that does not exist, and PSResourceGet and NuGet
  // then write their settings into the current directory: both folders are made first.
  for (const dir of [join(home, '.local', 'share'), join(home, '.config')]) mkdirSync(dir, { recursive: true });
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `Register-PSResourceRepository -Name SessionToolsPackage -Uri '${repo}' -Trusted`,
    `Publish-PSResource -Path '${moduleDir}' -Repository SessionToolsPackage`,
  ].join('; ');
  const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, '.local', 'share'), XDG_CONFIG_HOME: join(home, '.config') };
  run(pwshPath(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], { env, cwd: work });
  const made = readdirSync(repo).filter((f) => f.toLowerCase().endsWith('.nupkg'));
  if (made.length !== 1) throw new Error(`package: Publish-PSResource left ${made.join(', ') || 'nothing'} in ${repo}`);
  return join(repo, made[0]!);
}

/** A copy-deployment archive of `parent`'s SessionTools/ folder, owned by root:root in a tar. */
function archive(p: Platform, parent: string, dest: string): void {
  if (p.archive === 'zip') run('zip', ['-q', '-r', '-X', '-9', dest, 'SessionTools'], { cwd: parent });
  else run('tar', ['-czf', dest, '--owner=0', '--group=0', '--numeric-owner', '--sort=name', 'SessionTools'], { cwd: parent, env: { ...process.env, GZIP: '-9' } });
}

/** A hash of everything the release is made of; dist/ made from the same inputs is reused. */
function inputsKey(): string {
  const hash = createHash('sha256');
  const add = (path: string): void => void hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) {
        if (e.name !== 'bin' && e.name !== 'obj') walk(join(dir, e.name));
      } else if (e.name.endsWith('.ts')) add(join(dir, e.name));
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of moduleFiles()) add(join(MODULE, f));
  for (const f of ['package.json', 'tools/package.ts', 'tools/package-platforms.ts']) add(join(ROOT, f));
  return hash.digest('hex');
}

const KEY_FILE = join(DIST, '.inputs-key');

export interface Artifact { name: string; bytes: number; sha256: string }

function describe(name: string): Artifact {
  const data = readFileSync(join(DIST, name));
  return { name, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** Makes the release in dist/ (or, with ifStale, finds it made from the same inputs). */
export async function packageRelease(opts: { ifStale?: boolean } = {}): Promise<{ made: boolean; artifacts: Artifact[] }> {
  // Tests and the bench may ask at once: one makes it, the others wait and find it made.
  return withCacheLock('package', () => makeRelease(opts), 20 * 60_000);
}

async function makeRelease(opts: { ifStale?: boolean }): Promise<{ made: boolean; artifacts: Artifact[] }> {
  if (!existsSync(join(MODULE, 'bin', 'SessionTools.Types.dll'))) throw new Error('package: module/bin/SessionTools.Types.dll is missing (run `tsx build.ts codegen types` first)');
  const names = [artifactNames.nupkg, ...PLATFORMS.map(artifactNames.archive)];
  const key = inputsKey();
  const current = existsSync(KEY_FILE) && readFileSync(KEY_FILE, 'utf8') === key && names.every((n) => existsSync(join(DIST, n)));
  if (opts.ifStale && current) return { made: false, artifacts: names.map(describe) };
  mkdirSync(DIST, { recursive: true });
  rmSync(KEY_FILE, { force: true });
  const work = mkdtempSync(join(tmpdir(), 'sessiontools-package-'));
  try {
    const all = join(work, 'all');
    const moduleDir = await stageModule(all, PLATFORMS);
    copyFileSync(nupkg(moduleDir, work), join(DIST, artifactNames.nupkg));
    for (const p of PLATFORMS) {
      const parent = join(work, p.rid);
      await stageModule(parent, [p]);
      const dest = join(DIST, artifactNames.archive(p));
      rmSync(dest, { force: true });
      archive(p, parent, dest);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const artifacts = names.map(describe);
  writeFileSync(join(DIST, 'SHA256SUMS'), artifacts.map((a) => `${a.sha256}  ${a.name}\n`).join(''));
  writeFileSync(KEY_FILE, key);
  return { made: true, artifacts };
}

/** The sizes of the release and of what is in each platform's helper folder, for the report. */
export function sizeReport(artifacts: Artifact[]): string {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  return artifacts.map((a) => `${a.name.padEnd(40)} ${mb(a.bytes).padStart(9)}`).join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { made, artifacts } = await packageRelease({ ifStale: process.argv.includes('--if-stale') });
  console.log(`${made ? 'package: wrote' : 'package: up to date,'} ${relative(ROOT, DIST)}/ (version ${VERSION})`);
  console.log(sizeReport(artifacts));
}
