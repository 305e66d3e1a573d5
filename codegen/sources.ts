/**
 * Reads everything the module is generated from, statically, with ts-morph:
 * - src/catalog/commands.ts: the `command({...})` declarations and their JSDoc help;
 * - src/catalog/views.ts: table columns and property aliases;
 * - src/protocol/*.ts: wire interfaces, session states, the error table, the protocol version.
 * It checks them against each other (every RPC method exists, every `wire` field is a member of
 * that method's params) so that a mismatch fails the build, not a user's call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node, Project, type InterfaceDeclaration, type SourceFile } from 'ts-morph';
import type { CommandDecl } from '../src/catalog/schema.ts';
import { leadingDoc, readLiteral, where, type Literal } from './literal.ts';

export interface Help {
  synopsis: string;
  description: string;
  examples: { code: string; remarks: string }[];
}
export interface Command {
  name: string;
  decl: CommandDecl;
  help: Help;
  parameterHelp: Record<string, string>;
}
export interface WireField {
  name: string;
  /** The TypeScript type text: 'string', 'string | null', 'DurationMs | null', 'SessionState', ... */
  type: string;
  nullable: boolean;
  doc: string;
}
export interface ViewColumn { property: string; label: string; width?: number; align?: 'Left' | 'Right'; format?: string }
export interface View { typeName: string; aliases: Record<string, string>; groupBy?: string; table: ViewColumn[] }
export interface Sources {
  root: string;
  version: string;
  protocolVersion: number;
  states: string[];
  errors: Record<string, { category: string; action: string }>;
  commands: Command[];
  userSession: WireField[];
  targetError: WireField[];
  view: View;
}

function parseHelp(doc: string | null, what: string): Help {
  if (!doc) throw new Error(`${what} has no JSDoc help`);
  const [body = '', ...exampleBlocks] = doc.split(/^@example\s+/m);
  const paragraphs = body.trim().split(/\n\s*\n/);
  const examples = exampleBlocks.map((block) => {
    const [code = '', ...rest] = block.trim().split('\n');
    return { code: code.trim(), remarks: rest.join('\n').trim() };
  });
  return { synopsis: (paragraphs[0] ?? '').replace(/\s+/g, ' ').trim(), description: paragraphs.slice(1).join('\n\n').trim(), examples };
}

function readCommands(file: SourceFile): Command[] {
  const commands: Command[] = [];
  for (const statement of file.getVariableStatements()) {
    for (const variable of statement.getDeclarations()) {
      const init = variable.getInitializer();
      if (!init || !Node.isCallExpression(init) || init.getExpression().getText() !== 'command') continue;
      const arg = init.getArguments()[0];
      if (!arg || !Node.isObjectLiteralExpression(arg)) throw new Error(`${where(init)}: command() takes one object literal`);
      const decl = readLiteral(arg) as unknown as CommandDecl;
      const name = `${decl.verb}-${decl.noun}`;
      const parameterHelp: Record<string, string> = {};
      const params = arg.getPropertyOrThrow('parameters');
      if (!Node.isPropertyAssignment(params)) throw new Error(`${where(params)}: parameters must be an object`);
      const paramsObject = params.getInitializerOrThrow();
      if (!Node.isObjectLiteralExpression(paramsObject)) throw new Error(`${where(params)}: parameters must be an object`);
      for (const p of paramsObject.getProperties()) {
        const doc = leadingDoc(p);
        const pname = Node.isPropertyAssignment(p) ? p.getName() : p.getText();
        if (!doc) throw new Error(`${where(p)}: parameter ${pname} of ${name} has no JSDoc help`);
        parameterHelp[pname] = doc.replace(/\s+/g, ' ');
      }
      commands.push({ name, decl, help: parseHelp(leadingDoc(statement), name), parameterHelp });
    }
  }
  return commands;
}

function readInterface(decl: InterfaceDeclaration): WireField[] {
  return decl.getProperties().map((p) => {
    const type = p.getTypeNodeOrThrow().getText();
    return { name: p.getName(), type, nullable: /\|\s*null/.test(type) || p.hasQuestionToken(), doc: leadingDoc(p) ?? '' };
  });
}

function constInitializer(file: SourceFile, name: string): Literal {
  return readLiteral(file.getVariableDeclarationOrThrow(name).getInitializerOrThrow());
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`codegen: ${message}`);
}

export function readSources(root: string): Sources {
  const project = new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
  const file = (rel: string): SourceFile => project.addSourceFileAtPath(join(root, rel));
  const session = file('src/protocol/session.ts');
  const errorsFile = file('src/protocol/errors.ts');
  const rpc = file('src/protocol/rpc.ts');
  const commands = readCommands(file('src/catalog/commands.ts'));
  const view = constInitializer(file('src/catalog/views.ts'), 'USER_SESSION_VIEW') as unknown as View;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

  const methods = rpc.getInterfaceOrThrow('Methods');
  const methodParams = new Map<string, InterfaceDeclaration>();
  for (const m of methods.getProperties()) {
    const tuple = m.getTypeNodeOrThrow();
    const paramsName = Node.isTupleTypeNode(tuple) ? tuple.getElements()[0]?.getText() : undefined;
    check(paramsName, `${where(m)}: Methods entries are [Params, Result] tuples`);
    methodParams.set(m.getName().replace(/^'|'$/g, ''), rpc.getInterfaceOrThrow(paramsName));
  }
  for (const c of commands) {
    const params = methodParams.get(c.decl.method);
    check(params, `${c.name} calls '${c.decl.method}', which src/protocol/rpc.ts does not declare`);
    const members = new Set(params.getProperties().map((p) => p.getName()));
    for (const [pname, p] of Object.entries(c.decl.parameters)) {
      check(!p.wire || members.has(p.wire), `${c.name} -${pname} fills '${p.wire}', which ${params.getName()} does not have`);
    }
    if (c.decl.kind === 'action') check(members.has('targets'), `${c.name} is an action, so ${params.getName()} needs 'targets'`);
  }
  const target = readInterface(session.getInterfaceOrThrow('SessionTarget')).map((f) => f.name).sort();
  check(target.join() === 'ComputerName,SessionId', 'SessionTarget changed: update Invoke-SessionToolsAction in module/SessionTools.Runtime.ps1 with it');

  const errors = constInitializer(errorsFile, 'ERRORS') as Record<string, { category: string; action: string }>;
  return {
    root,
    version: pkg.version,
    protocolVersion: constInitializer(rpc, 'PROTOCOL_VERSION') as number,
    states: constInitializer(session, 'SESSION_STATES') as string[],
    errors,
    commands,
    userSession: readInterface(session.getInterfaceOrThrow('UserSession')),
    targetError: readInterface(errorsFile.getInterfaceOrThrow('TargetError')),
    view,
  };
}
