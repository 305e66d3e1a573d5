// Which PowerShell the project runs (npm scripts, tests, bench), and where Pester is.
//   $SESSIONTOOLS_PWSH when set (another pwsh 7.x, or powershell.exe on Windows);
//   else the `PowerShell` .NET tool pinned in .config/dotnet-tools.json, started through the
//   launcher .tools/bin/pwsh that `tsx build.ts tools` writes after `dotnet tool restore`;
//   on Windows without SESSIONTOOLS_PWSH: pwsh.exe from PATH.
// Pester is the one version tools/test-packages.csproj pins, restored into .tools/packages.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const TOOLS_DIR = join(ROOT, '.tools');
export const PWSH_LAUNCHER = join(TOOLS_DIR, 'bin', 'pwsh');

/** The PowerShell executable every script and test starts. */
export function pwshPath() {
  if (process.env.SESSIONTOOLS_PWSH) return process.env.SESSIONTOOLS_PWSH;
  return process.platform === 'win32' ? 'pwsh.exe' : PWSH_LAUNCHER;
}

/** The pinned version of the `PowerShell` tool, read from the local tool manifest. */
export function pinnedPwshVersion() {
  const manifest = JSON.parse(readFileSync(join(ROOT, '.config', 'dotnet-tools.json'), 'utf8'));
  return manifest.tools.powershell.version;
}

/** The pinned Pester version, read from tools/test-packages.csproj. */
export function pinnedPesterVersion() {
  const csproj = readFileSync(join(ROOT, 'tools', 'test-packages.csproj'), 'utf8');
  const m = /<PackageDownload Include="Pester" Version="\[([^\]]+)\]"/.exec(csproj);
  if (!m) throw new Error('tools/test-packages.csproj pins no Pester version');
  return m[1];
}

/** Pester.psd1 of the pinned version (NuGet lower-cases package folder names). */
export function pesterManifest() {
  return join(TOOLS_DIR, 'packages', 'pester', pinnedPesterVersion(), 'tools', 'Pester.psd1');
}
