/**
 * Reads everything the module is generated from. The declarations are imported and used as the
 * values they are: the methods (src/protocol/methods.ts), the commands (src/catalog/commands.ts,
 * resolved by src/catalog/resolve.ts), the views and the error table. What exists only as source
 * text is read with ts-morph: help (JSDoc) and the wire interfaces that become .NET classes.
 * Everything is checked against everything else here, so that a mismatch fails the build, not a
 * user's call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Project, type InterfaceDeclaration, type SourceFile } from 'ts-morph';
import { resolveCatalog, type ResolvedCommand } from '../src/catalog/resolve.ts';
import type { Serialization, View } from '../src/catalog/views.ts';
import type { Method } from '../src/protocol/method.ts';
import { declarationDocs } from './docs.ts';

export interface Help {
  synopsis: string;
  description: string;
  examples: { code: string; remarks: string }[];
}
export interface Command extends ResolvedCommand {
  help: Help;
  /** Parameter name to help text: the field's JSDoc for a field, the catalog's for an own parameter. */
  parameterHelp: Record<string, string>;
}
export interface WireField {
  name: string;
  /** The TypeScript type text: 'string', 'string | null', 'DurationMs | null', 'SessionState', ... */
  type: string;
  nullable: boolean;
  doc: string;
}
/** An interface of src/protocol/ that crosses the wire into PowerShell as a .NET class. */
export interface WireType {
  name: string;
  doc: string;
  fields: WireField[];
}
export interface MethodModel {
  /** The name of its constant in src/protocol/methods.ts (ListSessions). */
  id: string;
  method: Method;
}
/** What package.json says of a release, for the manifest's PrivateData.PSData (codegen/emit-module.ts). */
export interface Release {
  /** package.json's homepage: ProjectUri. */
  homepage?: string;
  /** package.json's license (an SPDX id): LicenseUri is its page at spdx.org. */
  license?: string;
  /** package.json's releaseNotes: what this version changes. */
  releaseNotes: string;
}
export interface Sources {
  version: string;
  release: Release;
  protocolVersion: number;
  errors: Record<string, { category: string; action: string }>;
  methods: MethodModel[];
  commands: Command[];
  /** The methods' output types, then TargetError. */
  wireTypes: WireType[];
  views: View[];
  serialization: Serialization[];
  textViews: string[];
}

function parseHelp(doc: string | null, what: string): Help {
  if (!doc) throw new Error(`codegen: ${what} has no JSDoc help`);
  const [body = '', ...exampleBlocks] = doc.split(/^@example\s+/m);
  const paragraphs = body.trim().split(/\n\s*\n/);
  const examples = exampleBlocks.map((block) => {
    const [code = '', ...rest] = block.trim().split('\n');
    return { code: code.trim(), remarks: rest.join('\n').trim() };
  });
  return { synopsis: (paragraphs[0] ?? '').replace(/\s+/g, ' ').trim(), description: paragraphs.slice(1).join('\n\n').trim(), examples };
}

function readInterface(decl: InterfaceDeclaration): WireType {
  const fields = decl.getProperties().map((p) => {
    const type = p.getTypeNodeOrThrow().getText();
    return { name: p.getName(), type, nullable: /\|\s*null/.test(type) || p.hasQuestionToken(), doc: (p.getJsDocs()[0]?.getDescription() ?? '').trim() };
  });
  return { name: decl.getName(), doc: (decl.getJsDocs()[0]?.getDescription() ?? '').trim(), fields };
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`codegen: ${message}`);
}

async function load(root: string, rel: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(join(root, rel)).href)) as Record<string, unknown>;
}

const isMethod = (v: unknown): v is Method => typeof v === 'object' && v !== null && 'name' in v && 'kind' in v && 'params' in v && 'timeout' in v;

export async function readSources(root: string): Promise<Sources> {
  const methodsModule = await load(root, 'src/protocol/methods.ts');
  const catalogModule = await load(root, 'src/catalog/commands.ts');
  const viewsModule = await load(root, 'src/catalog/views.ts');
  const errorsModule = await load(root, 'src/protocol/errors.ts');
  const project = new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
  const file = (rel: string): SourceFile => project.addSourceFileAtPath(join(root, rel));
  const protocolFiles = ['src/protocol/session.ts', 'src/protocol/process.ts', 'src/protocol/errors.ts'].map(file);
  const fieldDocs = declarationDocs(file('src/protocol/methods.ts'), 'params');
  const commandDocs = declarationDocs(file('src/catalog/commands.ts'), 'parameters');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; homepage?: string; license?: string; releaseNotes?: string };
  check(typeof pkg.releaseNotes === 'string' && pkg.releaseNotes.length > 0, 'package.json has no releaseNotes (the manifest\'s PSData.ReleaseNotes)');

  // A module's exports come in alphabetical order: the files' own order is the declarations'.
  const inFileOrder = <T extends { id: string }>(items: T[], order: Map<string, unknown>): T[] => {
    const ids = [...order.keys()];
    return items.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  };
  const methods: MethodModel[] = inFileOrder(
    Object.entries(methodsModule)
      .filter((e): e is [string, Method] => isMethod(e[1]))
      .map(([id, method]) => ({ id, method })),
    fieldDocs,
  );
  const commands: Command[] = inFileOrder(resolveCatalog(catalogModule), commandDocs).map((c) => {
    const model = methods.find((m) => m.method === c.method);
    check(model, `${c.Name} calls '${c.method.name}', which is no method of src/protocol/methods.ts`);
    const docs = commandDocs.get(c.id);
    const fields = fieldDocs.get(model.id);
    const parameterHelp: Record<string, string> = {};
    for (const p of c.parameters) {
      const own = docs?.members.get(p.name) ?? null;
      if (p.wire !== null) {
        check(own === null, `${c.Name} -${p.name} has JSDoc in the catalog, but its help is the JSDoc of the field ${model.id}.params.${p.wire} (one place for it)`);
        const doc = fields?.members.get(p.wire) ?? null;
        check(doc, `parameter ${p.name} of ${c.Name} has no JSDoc help: write it on the field ${model.id}.params.${p.wire} in src/protocol/methods.ts`);
        parameterHelp[p.name] = doc;
      } else {
        check(own, `parameter ${p.name} of ${c.Name} has no JSDoc help`);
        parameterHelp[p.name] = own;
      }
    }
    return { ...c, help: parseHelp(docs?.doc ?? null, c.Name), parameterHelp };
  });

  const outputs = [...new Set(methods.map((m) => m.method.output).filter((o): o is NonNullable<typeof o> => o !== null))];
  const wireTypes = [...outputs, 'TargetError'].map((name) => {
    const decl = protocolFiles.map((f) => f.getInterface(name)).find((d) => d !== undefined);
    check(decl, `the wire type ${name} is no interface of src/protocol/session.ts or errors.ts`);
    return readInterface(decl);
  });

  const errors = errorsModule.ERRORS as Record<string, { category: string; action: string }>;
  check(errors && typeof errors === 'object', 'src/protocol/errors.ts exports no ERRORS table');
  return {
    version: pkg.version,
    release: { homepage: pkg.homepage, license: pkg.license, releaseNotes: pkg.releaseNotes },
    protocolVersion: methodsModule.PROTOCOL_VERSION as number,
    errors,
    methods,
    commands,
    wireTypes,
    views: viewsModule.VIEWS as View[],
    serialization: viewsModule.SERIALIZATION as Serialization[],
    textViews: viewsModule.TEXT_VIEWS as string[],
  };
}
