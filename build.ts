/**
 * Builds everything a run needs, each step only when its output is missing or older than its
 * sources. `tsx build.ts` runs all steps; `tsx build.ts helper codegen` runs the named ones.
 *   tools    PowerShell 7.6.9 (the pinned .NET tool) and Pester, restored from NuGet (tools/restore.ts)
 *   codegen  module/SessionTools.{psm1,psd1,format.ps1xml,types.ps1xml} and the C# half of the
 *            protocol (src/dotnet/SessionTools.Types/Generated/) from the catalog and protocol
 *   types    module/bin/SessionTools.Types.dll (Duration, UserSession, the client of the helper)
 *   helper   module/bin/helper.mjs and wts-worker.mjs (the bundled helper) and module/bin/node
 *   windows  the module staged for Windows x64 in .tools/stage/win-x64/SessionTools (tools/stage-windows.ts)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { writeGenerated } from './codegen/generate.ts';
import { restoreTools } from './tools/restore.ts';
import { windowsStep } from './tools/stage-windows.ts';

const ROOT = dirname(fileURLToPath(import.meta.url));
const BIN = join(ROOT, 'module', 'bin');

/** Newest modification time under `dir` of files whose name passes `keep`. */
function newest(dir: string, keep: (name: string) => boolean): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'bin' || entry.name === 'obj' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path, keep));
    else if (keep(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

function isStale(output: string, sourcesMtime: number): boolean {
  return !existsSync(output) || statSync(output).mtimeMs < sourcesMtime;
}

async function types(): Promise<void> {
  const project = join(ROOT, 'src', 'dotnet', 'SessionTools.Types');
  const dll = join(BIN, 'SessionTools.Types.dll');
  if (!isStale(dll, newest(project, (n) => n.endsWith('.cs') || n.endsWith('.csproj')))) {
    console.log('types: up to date');
    return;
  }
  execFileSync('dotnet', ['build', project, '-c', 'Release', '-nologo', '-v', 'quiet', '-clp:ErrorsOnly'], { stdio: 'inherit' });
  mkdirSync(BIN, { recursive: true });
  copyFileSync(join(project, 'bin', 'Release', 'netstandard2.0', 'SessionTools.Types.dll'), dll);
  console.log('types: built module/bin/SessionTools.Types.dll');
}

/** module/bin/node: the runtime the module starts the helper with, by absolute path. */
function linkNode(): void {
  const link = join(BIN, process.platform === 'win32' ? 'node.exe' : 'node');
  if (process.platform === 'win32') {
    if (!existsSync(link)) copyFileSync(process.execPath, link);
    return;
  }
  const current = existsSync(link) || isSymlink(link) ? readlinkSafe(link) : null;
  if (current === process.execPath) return;
  if (current !== null) unlinkSync(link);
  symlinkSync(process.execPath, link);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function readlinkSafe(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

async function helper(): Promise<void> {
  mkdirSync(BIN, { recursive: true });
  linkNode();
  const out = join(BIN, 'helper.mjs');
  const worker = join(BIN, 'wts-worker.mjs');
  const sources = Math.max(newest(join(ROOT, 'src'), (n) => n.endsWith('.ts')), statSync(join(ROOT, 'package.json')).mtimeMs);
  if (!isStale(out, sources) && !isStale(worker, sources)) {
    console.log('helper: up to date');
    return;
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  await esbuild({
    // The helper, and the worker thread the WTS backend runs its blocking calls in.
    entryPoints: { helper: join(ROOT, 'src', 'helper', 'main.ts'), 'wts-worker': join(ROOT, 'src', 'backend', 'wts', 'worker-main.ts') },
    outdir: BIN,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // koffi carries a native binary per platform: it is loaded from node_modules, not bundled.
    external: ['koffi'],
    define: { __HELPER_VERSION__: JSON.stringify(pkg.version) },
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  console.log('helper: bundled module/bin/helper.mjs and module/bin/wts-worker.mjs');
}

async function codegen(): Promise<void> {
  const changed = await writeGenerated(ROOT);
  console.log(changed.length > 0 ? `codegen: wrote ${changed.join(', ')}` : 'codegen: up to date');
}

async function tools(): Promise<void> {
  restoreTools();
}

// codegen before types: the types assembly compiles the generated C#.
const STEPS: Record<string, () => Promise<void>> = { tools, codegen, types, helper, windows: windowsStep };

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in STEPS));
  if (unknown.length > 0) {
    console.error(`build: unknown step(s) ${unknown.join(', ')}; the steps are ${Object.keys(STEPS).join(', ')}`);
    process.exit(2);
  }
  for (const name of asked.length > 0 ? asked : Object.keys(STEPS)) await (STEPS[name] as () => Promise<void>)();
}

await main();
