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
    if (p.pipeline === 'value') args.push('ValueFromPipeline = $true');
    if (p.pipeline === 'propertyName') args.push('ValueFromPipelineByPropertyName = $true');
    if (set) args.push(`ParameterSetName = ${psString(set)}`);
    lines.push(`[Parameter(${args.join(', ')})]`);
  }
  if (p.aliases && p.aliases.length > 0) lines.push(`[Alias(${p.aliases.map(psString).join(', ')})]`);
  if (p.wildcards) lines.push('[SupportsWildcards()]');
  switch (p.type) {
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
      lines.push(`[PSTypeName(${psString(c.decl.outputType)})]`, '[psobject[]]');
      break;
    default:
      throw new Error(`codegen: ${c.name} -${name} has a type codegen does not know: ${String(p.type)}`);
  }
  lines.push(`$${name}`);
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

function wireAssignments(c: Command): string[] {
  return Object.entries(c.decl.parameters)
    .filter(([, p]) => p.wire && p.type !== 'switch')
    .map(([name, p]) => `if ($PSBoundParameters.ContainsKey(${psString(name)})) { $params[${psString(p.wire as string)}] = $${name} }`);
}

function queryBody(c: Command): string {
  return [
    'process {',
    '    $params = [ordered] @{}',
    ...wireAssignments(c).map((l) => `    ${l}`),
    `    $result = Invoke-SessionToolsRpc -Cmdlet $PSCmdlet -Method ${psString(c.decl.method)} -Params $params`,
    "    foreach ($node in $result['sessions'].ChildNodes) { $PSCmdlet.WriteObject((ConvertTo-SessionToolsUserSession $node)) }",
    "    foreach ($node in $result['errors'].ChildNodes) { Write-SessionToolsTargetError -Cmdlet $PSCmdlet -Node $node }",
    '}',
  ].join('\n');
}

function actionBody(c: Command): string {
  const p = c.decl.parameters;
  const hasForce = 'Force' in p;
  const switches = Object.entries(p).filter(([, d]) => d.type === 'switch' && d.wire);
  return [
    'begin {',
    ...(hasForce ? ["    if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) { $ConfirmPreference = 'None' }"] : []),
    '    $batch = [System.Collections.Generic.List[object]]::new()',
    '}',
    'process {',
    '    foreach ($target in (Resolve-SessionToolsTarget -InputObject $InputObject -Id $Id)) {',
    `        if (Approve-SessionToolsTarget -Cmdlet $PSCmdlet -Target $target.Description -Action ${psString(c.decl.action ?? c.decl.verb)}) { $batch.Add($target) }`,
    '    }',
    '}',
    'end {',
    '    $params = [ordered] @{}',
    ...switches.map(([name, d]) => `    $params[${psString(d.wire as string)}] = [bool] $${name}`),
    `    Invoke-SessionToolsAction -Cmdlet $PSCmdlet -Method ${psString(c.decl.method)} -Targets $batch -Params $params -PassThru ([bool] $PassThru)`,
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
