/**
 * A command as PowerShell will see it: every parameter, in order, with its PowerShell type, how it
 * binds, its range and default, and what it fills (a field of the method, or a role). The rules of
 * schema.ts are applied here, once, for codegen and for the tests that check the module against
 * the catalog; a declaration they cannot wire is an error naming it, at build time.
 */
import type { Field } from '../protocol/fields.ts';
import type { Method } from '../protocol/method.ts';
import { ROLE_TYPES, type Binding, type CommandDecl, type OwnParameter, type Role } from './schema.ts';

export interface ResolvedParameter extends Binding {
  name: string;
  /** As the tests name PowerShell types: 'string', 'string[]', 'int', 'int[]', 'switch', 'SessionState[]', 'UserSession[]'. */
  type: string;
  /** PowerShell wildcards are honoured. */
  wildcards: boolean;
  range?: readonly [number, number];
  /** The most characters one text may have (ValidateLength). */
  maxLength?: number;
  default?: number;
  /** For a choice list: the values of its ValidateSet. */
  choices?: readonly string[];
  /** The method's field this parameter fills; null for the command's own parameters. */
  wire: string | null;
  role: Role | null;
}

export interface ResolvedCommand {
  /** Verb-Noun. */
  Name: string;
  /** The name of its constant in the catalog (GetUserSession). */
  id: string;
  verb: string;
  noun: string;
  kind: 'query' | 'action';
  method: Method;
  /** The name of the method's targets field (actions). */
  targetsField: string | null;
  action?: string;
  confirmImpact?: 'High' | 'Medium' | 'Low';
  defaultSet?: string;
  /** The .NET type of the objects it writes: SessionTools.<the method's output>. */
  outputType: string;
  parameters: ResolvedParameter[];
}

const isOwn = (b: Binding | OwnParameter): b is OwnParameter => 'role' in b;

/** The PowerShell type of a field's parameter, or why it cannot be one. */
function fieldType(f: Field): string {
  switch (f.kind) {
    case 'flag':
      return 'switch';
    case 'int':
      return 'int';
    case 'intList':
      return 'int[]';
    case 'text':
      return 'string';
    case 'textList':
      return 'string[]';
    case 'choice':
      return `${f.choiceName}`;
    case 'choiceList':
      return `${f.choiceName}[]`;
    case 'targets':
      throw new Error('a targets field is filled from the roles inputObject, targetId and targetComputer, never by a parameter of its own');
  }
}

export function resolveCommand(id: string, decl: CommandDecl): ResolvedCommand {
  const name = `${decl.verb}-${decl.noun}`;
  const fail = (why: string): never => {
    throw new Error(`catalog: ${name}: ${why}`);
  };
  if (!/^[A-Z][a-z]+$/.test(decl.verb) || !/^[A-Z][A-Za-z]+$/.test(decl.noun)) fail('verb and noun must be words in PascalCase');
  const m = decl.method;
  if (m.kind !== 'query' && m.kind !== 'action') fail(`'${m.name}' is a ${m.kind} method, which no command can call`);
  if (m.output === null) fail(`'${m.name}' declares no output type`);
  const kind = m.kind as 'query' | 'action';
  const fields = Object.entries(m.params);
  const targetFields = fields.filter(([, f]) => f.kind === 'targets').map(([n]) => n);
  // A query may have targets too (the processes of these sessions): filled like an action's, never confirmed.
  if (targetFields.length > 1) fail(`'${m.name}' has more than one targets field`);
  if (kind === 'action' && targetFields.length !== 1) fail(`'${m.name}' is an action, so it needs exactly one targets field`);
  if (kind === 'action' && (!decl.action || !decl.confirmImpact)) fail('an action command needs its ShouldProcess action text and confirmImpact');

  const out: ResolvedParameter[] = [];
  const wired = (pname: string, f: Field, b: Binding): ResolvedParameter => {
    let type: string;
    try {
      type = fieldType(f);
    } catch (e) {
      return fail(`-${pname}: ${(e as Error).message}`);
    }
    if (b.pipeline && !type.endsWith('[]')) fail(`-${pname} binds from the pipeline, so its field must be a list (values are collected over the pipeline)`);
    return {
      ...b,
      mandatory: b.mandatory ?? f.required,
      name: pname,
      type,
      wildcards: f.format === 'wildcard',
      ...(f.range ? { range: f.range } : {}),
      ...(f.maxLength ? { maxLength: f.maxLength } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
      ...(f.choices ? { choices: f.choices } : {}),
      wire: pname,
      role: null,
    };
  };
  for (const [pname, b] of Object.entries(decl.parameters)) {
    const field = m.params[pname];
    if (isOwn(b)) {
      if (field) fail(`-${pname} has a role, but it is a field of '${m.name}' (which fills it by name)`);
      if (targetFields.length === 0) fail(`-${pname}: only commands with targets have parameters of their own`);
      if (kind !== 'action' && (b.role === 'passThru' || b.role === 'force')) fail(`-${pname}: a query writes what it finds, so it has no ${b.role}`);
      const targets = m.params[targetFields[0] as string] as Field;
      out.push({
        ...b,
        name: pname,
        type: ROLE_TYPES[b.role],
        wildcards: false,
        ...(b.role === 'targetId' ? { range: targets.range } : {}),
        wire: null,
        role: b.role,
      });
    } else {
      if (!field) fail(`-${pname} is neither a field of '${m.name}' nor has a role`);
      out.push(wired(pname, field as Field, b));
    }
  }
  for (const [pname, f] of fields) {
    if (f.kind !== 'targets' && !(pname in decl.parameters)) out.push(wired(pname, f, {}));
  }
  const roles = out.map((p) => p.role);
  if (targetFields.length === 1) {
    for (const needed of ['inputObject', 'targetId'] as const) if (!roles.includes(needed)) fail(`a command with targets needs a parameter with the role ${needed}`);
  }
  for (const role of new Set(roles)) if (role !== null && roles.filter((r) => r === role).length > 1) fail(`two parameters have the role ${role}`);
  return {
    Name: name,
    id,
    verb: decl.verb,
    noun: decl.noun,
    kind,
    method: m,
    targetsField: targetFields[0] ?? null,
    ...(decl.action ? { action: decl.action } : {}),
    ...(decl.confirmImpact ? { confirmImpact: decl.confirmImpact } : {}),
    ...(decl.defaultSet ? { defaultSet: decl.defaultSet } : {}),
    outputType: `SessionTools.${m.output}`,
    parameters: out,
  };
}

/** Every command of a catalog module's exports (the values made by command()), resolved. */
export function resolveCatalog(exports: Record<string, unknown>): ResolvedCommand[] {
  return Object.entries(exports)
    .filter((e): e is [string, CommandDecl] => typeof e[1] === 'object' && e[1] !== null && 'verb' in e[1] && 'method' in e[1])
    .map(([id, decl]) => resolveCommand(id, decl));
}
