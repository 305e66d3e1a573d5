/**
 * Generates the module's files and the C# half of the protocol from the TypeScript sources.
 *   tsx codegen/generate.ts          writes every generated file (GENERATED below)
 *   tsx codegen/generate.ts --check  writes nothing; exits 1 and names each file that differs
 * Generated files live apart from hand-written ones: module/ holds only generated files (and the
 * build's bin/), and the C# ones are in src/dotnet/SessionTools.Types/Generated/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitProtocol, emitWireClass } from './emit-csharp.ts';
import { emitFormat, emitPsd1, emitPsm1, emitTypes } from './emit-module.ts';
import { assertAscii, header } from './powershell.ts';
import { readSources } from './sources.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the generated C# goes. */
export const GENERATED_CS = 'src/dotnet/SessionTools.Types/Generated';

/** Path (relative to the repository) to the text it must hold. */
export async function generate(root = ROOT): Promise<Map<string, string>> {
  const s = await readSources(root);
  const csHeader = header((line) => `// ${line}`);
  const outputs = new Set<string | null>(s.methods.map((m) => m.method.output));
  const files = new Map<string, string>([
    ['module/SessionTools.psm1', emitPsm1(s)],
    ['module/SessionTools.psd1', emitPsd1(s)],
    ['module/SessionTools.format.ps1xml', emitFormat(s)],
    ['module/SessionTools.types.ps1xml', emitTypes(s)],
    ...s.wireTypes.map((t): [string, string] => [`${GENERATED_CS}/${t.name}.g.cs`, emitWireClass(t, outputs.has(t.name), csHeader)]),
    [`${GENERATED_CS}/Protocol.g.cs`, emitProtocol(s, csHeader)],
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
export async function differences(root = ROOT): Promise<string[]> {
  return [...(await generate(root))].filter(([path, text]) => read(join(root, path)) !== text).map(([path]) => path);
}

export async function writeGenerated(root = ROOT): Promise<string[]> {
  const files = await generate(root);
  const changed = [...files].filter(([path, text]) => read(join(root, path)) !== text).map(([path]) => path);
  for (const path of changed) writeFileSync(join(root, path), files.get(path) as string);
  return changed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const diff = await differences();
    for (const path of diff) process.stderr.write(`${path} is not what codegen generates; run \`npx tsx build.ts codegen\`\n`);
    process.exit(diff.length > 0 ? 1 : 0);
  }
  const changed = await writeGenerated();
  process.stdout.write(changed.length > 0 ? `codegen: wrote ${changed.join(', ')}\n` : 'codegen: module files up to date\n');
}
