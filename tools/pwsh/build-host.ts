/**
 * Builds SessionTools' PowerShell host (tools/pwsh) when it is missing or older than its sources.
 * Called by the lead's build.ts; prints one line saying what it did.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const hostDir = dirname(fileURLToPath(import.meta.url));
export const publishDir = join(hostDir, 'bin', 'publish');
/** The built host; its timestamp is what sources are compared with. */
export const hostDll = join(publishDir, 'SessionToolsPwsh.dll');

/** The .cs/.csproj files of the host (not bin/ or obj/). */
function sourceFiles(dir = hostDir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (entry.name === 'bin' || entry.name === 'obj' || entry.name.startsWith('.')) continue;
      out.push(...sourceFiles(join(dir, entry.name)));
    } else if (/\.(cs|csproj)$/.test(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** Why a build is needed, or null when the output is up to date. */
export function staleReason(): string | null {
  if (!existsSync(hostDll)) return 'not built yet';
  const built = statSync(hostDll).mtimeMs;
  const newer = sourceFiles().filter((f) => statSync(f).mtimeMs > built);
  if (newer.length > 0) return `${newer.length} source file(s) changed`;
  return null;
}

export async function buildPwshHost(): Promise<void> {
  const reason = staleReason();
  if (reason === null) {
    console.log('pwsh host: up to date (tools/pwsh/bin/publish)');
    return;
  }
  const started = Date.now();
  // publish (not build): ReadyToRun compiles the engine ahead of time, which halves cold start.
  const args = ['publish', join(hostDir, 'SessionToolsPwsh.csproj'), '-c', 'Release', '-o', publishDir, '--nologo'];
  try {
    await run('dotnet', args, {
      cwd: hostDir,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const detail = [e.stdout, e.stderr].filter(Boolean).join('\n').trim();
    throw new Error(`pwsh host: \`dotnet ${args.join(' ')}\` failed:\n${detail || e.message}`);
  }
  // An incremental publish may leave the dll's time alone; mark the output as newer than the sources.
  const now = new Date();
  utimesSync(hostDll, now, now);
  console.log(`pwsh host: built (${reason}) in ${((Date.now() - started) / 1000).toFixed(1)} s -> tools/pwsh/bin/publish`);
}
