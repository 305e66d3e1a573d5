/**
 * Generates the module's files from the TypeScript sources.
 *   tsx codegen/generate.ts          writes module/SessionTools.{psm1,psd1,format.ps1xml,types.ps1xml}
 *   tsx codegen/generate.ts --check  writes nothing; exits 1 and names each file that differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitUserSessionClass } from './emit-csharp.ts';
import { emitFormat, emitPsd1, emitPsm1, emitTypes } from './emit-module.ts';
import { assertAscii, header } from './powershell.ts';
import { readSources } from './sources.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Path (relative to the repository) to the text it must hold. */
export function generate(root = ROOT): Map<string, string> {
  const s = readSources(root);
  const files = new Map<string, string>([
    ['module/SessionTools.psm1', emitPsm1(s)],
    ['module/SessionTools.psd1', emitPsd1(s)],
    ['module/SessionTools.format.ps1xml', emitFormat(s)],
    ['module/SessionTools.types.ps1xml', emitTypes(s)],
    ['src/dotnet/SessionTools.Types/UserSession.g.cs', emitUserSessionClass(s.userSession, header((line) => `// ${line}`))],
  ]);
  for (const [path, text] of files) assertAscii(path, text);
  return files;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Paths whose file on disk differs from what generate() gives. */
export function differences(root = ROOT): string[] {
  return [...generate(root)].filter(([path, text]) => read(join(root, path)) !== text).map(([path]) => path);
}

export function writeGenerated(root = ROOT): string[] {
  const changed = differences(root);
  for (const [path, text] of generate(root)) if (changed.includes(path)) writeFileSync(join(root, path), text);
  return changed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const diff = differences();
    for (const path of diff) process.stderr.write(`${path} is not what codegen generates; run \`npx tsx build.ts codegen\`\n`);
    process.exit(diff.length > 0 ? 1 : 0);
  }
  const changed = writeGenerated();
  process.stdout.write(changed.length > 0 ? `codegen: wrote ${changed.join(', ')}\n` : 'codegen: module files up to date\n');
}
