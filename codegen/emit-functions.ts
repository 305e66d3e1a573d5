/**
 * One advanced function per catalog command: its help, its parameter block as resolved from the
 * catalog and the method's fields, and a body that hands everything to the compiled client: begin
 * makes the call (SessionTools.Rpc.CommandCall), process gives it what each input object bound,
 * end sends the one request and writes what came back. Every field is wired the same way, by name,
 * through the command table the client gets from emit-csharp.ts.
 */
import type { ResolvedParameter } from '../src/catalog/resolve.ts';
import { emitHelp } from './emit-help.ts';
import { indent, psString } from './powershell.ts';
import type { Command, Sources } from './sources.ts';

/** The PowerShell type and validation of a parameter, from its resolved type. */
function typeLines(p: ResolvedParameter, c: Command): string[] {
  const range = (): string => {
    if (!p.range) throw new Error(`codegen: ${c.Name} -${p.name} is an ${p.type} without a range`);
    return `[ValidateRange(${p.range[0]}, ${p.range[1]})]`;
  };
  if (p.choices) return [`[ValidateSet(${p.choices.map(psString).join(', ')})]`, p.type.endsWith('[]') ? '[string[]]' : '[string]'];
  switch (p.type) {
    case 'string':
      return ['[ValidateNotNullOrEmpty()]', ...(p.maxLength ? [`[ValidateLength(1, ${p.maxLength})]`] : []), '[string]'];
    case 'string[]':
      return ['[ValidateNotNullOrEmpty()]', ...(p.maxLength ? [`[ValidateLength(1, ${p.maxLength})]`] : []), '[string[]]'];
    case 'int':
      return [range(), '[int]'];
    case 'int[]':
      return [range(), '[int[]]'];
    case 'switch':
      return ['[switch]'];
    case 'Duration':
      // Takes 30s, 5m, 1h30m, a [TimeSpan] (DurationConverter); a bare number is an error asking for a unit.
      return ['[SessionTools.Duration]'];
    default:
      // The piped objects of an action (UserSession[]): they bind here by value with their exact
      // compiled type, before the -Id set could bind them by property name. Other objects (a CSV
      // row, a deserialized session) bind to -Id and -ComputerName by property name.
      if (p.role === 'inputObject') return [`[SessionTools.${p.type}]`];
      throw new Error(`codegen: ${c.Name} -${p.name} has a type codegen cannot wire: ${p.type}`);
  }
}

function parameterBlock(p: ResolvedParameter, c: Command): string {
  const lines: string[] = [];
  for (const set of p.sets ?? [null]) {
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
  lines.push(...typeLines(p, c));
  lines.push(`$${p.name}${p.default !== undefined ? ` = ${p.default}` : ''}`);
  return lines.join('\n');
}

function cmdletBinding(c: Command): string {
  const args: string[] = [];
  if (c.defaultSet) args.push(`DefaultParameterSetName = ${psString(c.defaultSet)}`);
  if (c.kind === 'action') args.push('SupportsShouldProcess = $true', `ConfirmImpact = ${psString(c.confirmImpact ?? 'Medium')}`);
  return `[CmdletBinding(${args.join(', ')})]`;
}

/**
 * -Force follows Microsoft's ShouldProcess pattern (docs/powershell.md, section 1): without
 * -Confirm it makes $ConfirmPreference None in the function's scope, where ShouldProcess reads it.
 */
/**
 * ValidateSet takes a choice in any case (-State active, -Buttons yesno), and the helper only its
 * declared spelling (src/helper/validate.ts): each value given is sent as the choice it matched.
 */
function canonicalChoices(c: Command): string[] {
  return c.parameters
    .filter((p) => p.choices && !p.pipeline)
    .map((p) => {
      const match = `foreach ($v in @($${p.name})) { foreach ($c in ${(p.choices as readonly string[]).map(psString).join(', ')}) { if ($c -eq $v) { $c; break } } }`;
      return `    if ($PSBoundParameters.ContainsKey(${psString(p.name)})) { $PSBoundParameters[${psString(p.name)}] = ${p.type.endsWith('[]') ? `@(${match})` : `$(${match})`} }`;
    });
}

function body(c: Command): string {
  const force = c.parameters.find((p) => p.role === 'force');
  return [
    'begin {',
    ...(force ? [`    if ($${force.name} -and -not $PSBoundParameters.ContainsKey('Confirm')) { $ConfirmPreference = 'None' }`] : []),
    ...canonicalChoices(c),
    `    $call = $script:SessionToolsClient.Begin($PSCmdlet, ${psString(c.Name)}, $PSBoundParameters)`,
    '}',
    'process {',
    '    $call.Process($PSBoundParameters, $_)',
    '}',
    'end {',
    '    $call.End()',
    '}',
  ].join('\n');
}

export function emitFunction(c: Command, s: Sources): string {
  const inputs = c.targetsField !== null ? 'SessionTools.UserSession, or any object with a SessionId (or Id) property.' : 'None.';
  return [
    `function ${c.Name} {`,
    indent(emitHelp(c, inputs, s.commands.map((x) => x.Name)), 4),
    indent(cmdletBinding(c), 4),
    indent(`[OutputType(${psString(c.outputType)})]`, 4),
    '    param(',
    indent(c.parameters.map((p) => parameterBlock(p, c)).join(',\n\n'), 8),
    '    )',
    '',
    indent(body(c), 4),
    '}',
  ].join('\n');
}
