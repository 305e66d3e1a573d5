/**
 * The shape of a command declaration (commands.ts). A command names the RPC method it calls (a
 * value of src/protocol/methods.ts) and has one parameter per field of that method but its targets:
 * their types, ranges, defaults and help come from the fields. The catalog adds only what is
 * PowerShell's own: the verb and noun, ShouldProcess, how each parameter binds, and the parameters
 * that are no field (the targets of an action, -PassThru, -Force), each with its role.
 * The helper never imports the catalog; codegen reads it (resolve.ts gives the whole command).
 */
import type { Method } from '../protocol/method.ts';

/** How PowerShell binds a parameter. */
export interface Binding {
  mandatory?: boolean;
  position?: number;
  /** Parameter sets this parameter belongs to; omitted: all sets. */
  sets?: readonly string[];
  /** 'value': binds piped objects; 'propertyName': binds a piped object's property of this name. */
  pipeline?: 'value' | 'propertyName' | 'both';
  aliases?: readonly string[];
}

/**
 * What a parameter that is no field of the method does. Only actions have them:
 * - inputObject: the piped objects to act on (their SessionId and ComputerName make the targets);
 * - targetId: ids of the sessions to act on, and targetComputer: the computer they are on;
 * - passThru: write each object the action succeeded on;
 * - force: act without asking (-WhatIf still wins; -Confirm still asks);
 * - notify and gracePeriod: before the action, show the accepted targets' users this text
 *   (the method sessions.message), then wait this long (in the client, so that Ctrl+C during the
 *   wait stops before the action: Client/Notice.cs).
 */
export type Role = 'inputObject' | 'targetId' | 'targetComputer' | 'passThru' | 'force' | 'notify' | 'gracePeriod';

/** PowerShell types of the parameters a command declares itself, by their role (targets are sessions). */
export const ROLE_TYPES = {
  inputObject: 'UserSession[]',
  targetId: 'int[]',
  targetComputer: 'string',
  passThru: 'switch',
  force: 'switch',
  notify: 'string',
  gracePeriod: 'Duration',
} as const satisfies Record<Role, string>;

/** A parameter of the command's own (its help is its JSDoc). */
export interface OwnParameter extends Binding {
  role: Role;
}

export interface CommandDecl<M extends Method = Method> {
  /** A PowerShell approved verb (Get-Verb). */
  verb: string;
  noun: string;
  method: M;
  /** ShouldProcess action text, for commands of an action method: "Log off", "Disconnect". */
  action?: string;
  confirmImpact?: 'High' | 'Medium' | 'Low';
  defaultSet?: string;
  /**
   * In this order: fields of the method, by name, with how they bind (help: the field's JSDoc),
   * and the command's own parameters, with their role (help: their JSDoc here). The method's
   * fields not named here follow, in the method's order, bound by name only.
   */
  parameters: Record<string, Binding | OwnParameter>;
}

/** Identity function that gives declarations their type; codegen reads the exported values. */
export function command<const T extends CommandDecl>(decl: T): T {
  return decl;
}
