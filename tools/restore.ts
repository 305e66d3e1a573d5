/**
 * The `tools` step of build.ts: what the project runs on, restored from NuGet on a fresh machine.
 *   - the `PowerShell` .NET tool pinned in .config/dotnet-tools.json (`dotnet tool restore`), and a
 *     launcher .tools/bin/pwsh that starts that pwsh.dll with the `dotnet` on PATH, the way the
 *     tool's own shim does, without the shim's second process;
 *   - Pester, pinned in tools/test-packages.csproj, into .tools/packages (imported by path).
 * Skipped parts say why. Nothing here runs at test time, so tests need no network.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PWSH_LAUNCHER, ROOT, TOOLS_DIR, pesterManifest, pinnedPwshVersion } from './powershell.mjs';

const quiet = { cwd: ROOT, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } };

function dotnet(args: string[]): string {
  try {
    return execFileSync('dotnet', args, { ...quiet, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`tools: \`dotnet ${args.join(' ')}\` failed:\n${[e.stdout, e.stderr].filter(Boolean).join('\n').trim() || e.message}`);
  }
}

/** The absolute path of `dotnet` on PATH (the launcher must not depend on the caller's PATH). */
function dotnetPath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'dotnet');
    if (dir && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error('tools: `dotnet` is not on PATH; install the .NET SDK 10 (see README.md)');
}

function restorePwsh(): void {
  const version = pinnedPwshVersion();
  const manifest = join(ROOT, '.config', 'dotnet-tools.json');
  if (existsSync(PWSH_LAUNCHER) && statSync(PWSH_LAUNCHER).mtimeMs >= statSync(manifest).mtimeMs) {
    const text = readFileSync(PWSH_LAUNCHER, 'utf8');
    const dll = /'([^']+pwsh\.dll)'/.exec(text)?.[1];
    if (dll && existsSync(dll)) {
      console.log(`tools: PowerShell ${version} up to date (.tools/bin/pwsh)`);
      return;
    }
  }
  dotnet(['tool', 'restore']);
  const cache = /global-packages:\s*(.+)/.exec(dotnet(['nuget', 'locals', 'global-packages', '--list']))?.[1]?.trim();
  if (!cache) throw new Error('tools: `dotnet nuget locals global-packages --list` named no folder');
  const dll = join(cache, 'powershell', version, 'tools', 'net10.0', 'any', 'unix', 'pwsh.dll');
  if (!existsSync(dll)) throw new Error(`tools: dotnet tool restore left no ${dll}`);
  mkdirSync(join(TOOLS_DIR, 'bin'), { recursive: true });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(PWSH_LAUNCHER, `#!/bin/sh\n# Written by tools/restore.ts: the PowerShell ${version} .NET tool pinned in .config/dotnet-tools.json.\nexec ${q(dotnetPath())} ${q(dll)} "$@"\n`);
  chmodSync(PWSH_LAUNCHER, 0o755);
  console.log(`tools: PowerShell ${version} restored (.tools/bin/pwsh)`);
}

function restorePester(): void {
  const psd1 = pesterManifest();
  if (existsSync(psd1)) {
    console.log('tools: Pester up to date (.tools/packages)');
    return;
  }
  dotnet(['restore', join(ROOT, 'tools', 'test-packages.csproj'), '--packages', join(TOOLS_DIR, 'packages'), '-v', 'quiet']);
  if (!existsSync(psd1)) throw new Error(`tools: restore left no ${psd1}`);
  console.log('tools: Pester restored (.tools/packages)');
}

export function restoreTools(): void {
  if (process.env.SESSIONTOOLS_PWSH) console.log(`tools: PowerShell from SESSIONTOOLS_PWSH=${process.env.SESSIONTOOLS_PWSH}`);
  else if (process.platform === 'win32') console.log('tools: PowerShell is pwsh.exe from PATH (set SESSIONTOOLS_PWSH to choose another)');
  else restorePwsh();
  restorePester();
}
