/**
 * The shape of a command declaration. codegen/ reads declarations of this shape statically (with
 * ts-morph) from commands.ts; the helper never imports them. Keep every value a literal: codegen
 * refuses anything it cannot read without running code.
 */
import type { MethodName } from '../protocol/rpc.ts';

/** PowerShell parameter types the generator knows how to emit. */
export type ParameterType = 'string' | 'string[]' | 'int' | 'int[]' | 'switch' | 'SessionState[]' | 'UserSession[]';

export interface ParameterDecl {
  type: ParameterType;
  mandatory?: boolean;
  position?: number;
  /** Parameter sets this parameter belongs to; omitted: all sets. */
  sets?: readonly string[];
  /** 'value': binds piped objects; 'propertyName': binds a piped object's property of this name. */
  pipeline?: 'value' | 'propertyName' | 'both';
  aliases?: readonly string[];
  /** PowerShell wildcards are honoured. */
  wildcards?: boolean;
  /** The field of the RPC method's params this parameter fills; omitted: not sent. */
  wire?: string;
  /** For 'int': the value when the parameter is not given (also the helper's default). */
  default?: number;
  /** For 'int': the smallest and largest value accepted. */
  range?: readonly [number, number];
}

export interface CommandDecl {
  verb: 'Get' | 'Stop' | 'Disconnect';
  noun: 'UserSession';
  /** 'query' calls its method once per invocation and writes the sessions it returns;
   *  'action' collects targets (ShouldProcess per target) and sends one batched call in `end`. */
  kind: 'query' | 'action';
  method: MethodName;
  /** ShouldProcess action text, for 'action' commands: "Log off", "Disconnect". */
  action?: string;
  confirmImpact?: 'High' | 'Medium' | 'Low';
  defaultSet?: string;
  outputType: 'SessionTools.UserSession';
  parameters: Record<string, ParameterDecl>;
}

/** Identity function that gives declarations their type; codegen looks for its calls. */
export function command<const T extends CommandDecl>(decl: T): T {
  return decl;
}
