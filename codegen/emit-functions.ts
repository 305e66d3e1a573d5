/** One advanced function per catalog command. */
import type { ParameterDecl } from '../src/catalog/schema.ts';
import { emitHelp } from './emit-help.ts';
import { indent, psArray, psString } from './powershell.ts';
import type { Command, Sources } from './sources.ts';

function parameterBlock(name: string, p: ParameterDecl, c: Command, states: string[]): string {
  const sets = p.sets ?? [null];
  const lines: string[] = [];
  for (const set of sets) {
    const args: string[] = [];
    if (p.mandatory) args.push('Mandatory = $true');
    if (p.position !== undefined) args.push(`Position = ${p.position}`);
    if (p.pipeline === 'value' || p.pipeline === 'both') args.push('ValueFromPipeline = $true');
    if (p.pipeline === 'propertyName' || p.pipeline === 'both') args.push('ValueFromPipelineByPropertyName = $true');
    if (set) args.push(`ParameterSetName = ${psString(set)}`);
    lines.push(`[Parameter(${args.join(', ')})]`);
  }
  if (p.aliases && p.aliases.length > 0) lines.push(`[Alias(${p.aliases.map(psString).join(', ')})]`);
  if (p.wildcards) lines.push('[SupportsWildcards()]');
  let initial = '';
  switch (p.type) {
    case 'string':
      lines.push('[ValidateNotNullOrEmpty()]', '[string]');
      break;
    case 'int':
      if (p.default === undefined || !p.range) throw new Error(`codegen: ${c.name} -${name} is an int and needs a default and a range`);
      lines.push(`[ValidateRange(${p.range[0]}, ${p.range[1]})]`, '[int]');
      initial = ` = ${p.default}`;
      break;
    case 'string[]':
      lines.push('[ValidateNotNullOrEmpty()]', '[string[]]');
      break;
    case 'int[]':
      lines.push('[ValidateRange(0, 2147483647)]', '[int[]]');
      break;
    case 'switch':
      lines.push('[switch]');
      break;
    case 'SessionState[]':
      lines.push(`[ValidateSet(${states.map(psString).join(', ')})]`, '[string[]]');
      break;
    case 'UserSession[]':
      // The compiled type: piped sessions bind here by value with their exact type, before the
      // -Id set could bind them by property name. Other objects (a CSV row, a deserialized
      // session) bind to -Id and -ComputerName by property name.
      lines.push(`[${c.decl.outputType}[]]`);
      break;
    default:
      throw new Error(`codegen: ${c.name} -${name} has a type codegen does not know: ${String(p.type)}`);
  }
  lines.push(`$${name}${initial}`);
  return lines.join('\n');
}

function cmdletBinding(c: Command): string {
  const args: string[] = [];
  if (c.decl.defaultSet) args.push(`DefaultParameterSetName = ${psString(c.decl.defaultSet)}`);
  if (c.decl.kind === 'action') {
    args.push('SupportsShouldProcess = $true', `ConfirmImpact = ${psString(c.decl.confirmImpact ?? 'Medium')}`);
  }
  return `[CmdletBinding(${args.join(', ')})]`;
}

/** PowerShell that puts one parameter's value into $params, the RPC params. */
function wireAssignment(name: string, p: ParameterDecl): string {
  const key = psString(p.wire as string);
  if (p.type === 'switch') return `if ($${name}) { $params[${key}] = $true }`;
  if (p.type === 'int') return `$params[${key}] = $${name}`;
  return `if ($PSBoundParameters.ContainsKey(${psString(name)})) { $params[${key}] = $${name} }`;
}

/**
 * A query sends one RPC per invocation, in `end`: values piped into a pipeline parameter (computer
 * names) are collected in `process` first, so that N piped computers are asked in one call, in
 * parallel, by the helper.
 */
function queryBody(c: Command): string {
  const wired = Object.entries(c.decl.parameters).filter(([, p]) => p.wire);
  const piped = wired.filter(([, p]) => p.pipeline);
  const direct = wired.filter(([, p]) => !p.pipeline);
  return [
    'begin {',
    ...piped.map(([name]) => `    $piped${name} = [System.Collections.Generic.List[object]]::new()`),
    '}',
    'process {',
    ...piped.map(([name]) => `    foreach ($value in @($${name})) { if ($null -ne $value) { $piped${name}.Add($value) } }`),
    '}',
    'end {',
    '    $params = [ordered] @{}',
    ...direct.map(([name, p]) => `    ${wireAssignment(name, p)}`),
    ...piped.map(([name, p]) => `    if ($piped${name}.Count -gt 0) { $params[${psString(p.wire as string)}] = $piped${name}.ToArray() }`),
    `    $result = Invoke-SessionToolsRpc -Cmdlet $PSCmdlet -Method ${psString(c.decl.method)} -Params $params -ChangesNothing`,
    "    $PSCmdlet.WriteObject([SessionTools.UserSession]::FromWireArray($result['sessions']), $true)",
    "    foreach ($node in $result['errors'].ChildNodes) { Write-SessionToolsTargetError -Cmdlet $PSCmdlet -Node $node }",
    '}',
  ].join('\n');
}

/**
 * An action collects what it is given in `process` (cheaply: thousands of sessions may be piped)
 * and, in `end`, asks ShouldProcess per target and sends one batched RPC (Invoke-SessionToolsAction).
 */
function actionBody(c: Command): string {
  const p = c.decl.parameters;
  const hasForce = 'Force' in p;
  const computer = 'ComputerName' in p ? '$ComputerName' : '$null';
  const switches = Object.entries(p).filter(([, d]) => d.type === 'switch' && d.wire);
  return [
    'begin {',
    ...(hasForce ? ["    if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) { $ConfirmPreference = 'None' }"] : []),
    '    $batch = [System.Collections.Generic.List[object]]::new()',
    '}',
    'process {',
    "    if ($PSCmdlet.ParameterSetName -eq 'InputObject') {",
    '        foreach ($session in $InputObject) { if ($null -ne $session) { $batch.Add($session) } }',
    '    } else {',
    `        foreach ($sessionId in $Id) { $batch.Add(@{ SessionId = $sessionId; ComputerName = ${computer} }) }`,
    '    }',
    '}',
    'end {',
    '    $params = [ordered] @{}',
    ...switches.map(([name, d]) => `    $params[${psString(d.wire as string)}] = [bool] $${name}`),
    `    Invoke-SessionToolsAction -Cmdlet $PSCmdlet -Method ${psString(c.decl.method)} -Action ${psString(c.decl.action ?? c.decl.verb)} -Items $batch -Params $params -PassThru ([bool] $PassThru)`,
    '}',
  ].join('\n');
}

export function emitFunction(c: Command, s: Sources): string {
  const params = Object.entries(c.decl.parameters).map(([name, p]) => parameterBlock(name, p, c, s.states));
  const inputs = c.decl.kind === 'action' ? `${c.decl.outputType}, or any object with a SessionId (or Id) property.` : 'None.';
  return [
    `function ${c.name} {`,
    indent(emitHelp(c, inputs), 4),
    indent(cmdletBinding(c), 4),
    indent(`[OutputType(${psString(c.decl.outputType)})]`, 4),
    '    param(',
    indent(params.join(',\n\n'), 8),
    '    )',
    '',
    indent(c.decl.kind === 'query' ? queryBody(c) : actionBody(c), 4),
    '}',
  ].join('\n');
}

export function exportedNames(s: Sources): string[] {
  return s.commands.map((c) => c.name);
}

export { psArray };
