/** The module's files: .psm1, .psd1, format and types, from the sources. */
import { emitConverter } from './emit-converters.ts';
import { emitFunction, exportedNames } from './emit-functions.ts';
import { header, psArray, psString } from './powershell.ts';
import type { Sources } from './sources.ts';

const hash = (line: string): string => `# ${line}`;
const xmlComment = (line: string): string => `  ${line}`;
const xmlEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Fixed forever: it identifies the module to PowerShellGet and to side-by-side installs. */
const MODULE_GUID = '5d0b8f3e-7c1a-4e8b-9a44-2f6c1d3e9b70';

export function emitPsm1(s: Sources): string {
  const errors = Object.entries(s.errors).map(
    ([id, e]) => `    ${id} = @{ Category = ${psString(e.category)}; Action = ${psString(e.action)} }`,
  );
  return [
    header(hash),
    '',
    'Set-StrictMode -Version 2.0',
    '',
    '# From src/protocol/rpc.ts: the helper must speak this protocol version.',
    `$script:SessionToolsProtocolVersion = ${s.protocolVersion}`,
    '',
    '# From src/protocol/errors.ts: ErrorId -> ErrorCategory and recommended action.',
    '$script:SessionToolsErrors = @{',
    ...errors,
    '}',
    '',
    ". ([System.IO.Path]::Combine($PSScriptRoot, 'SessionTools.Runtime.ps1'))",
    '',
    '# From src/protocol/errors.ts (TargetError). Sessions are read by the compiled',
    '# [SessionTools.UserSession]::FromWire, generated from src/protocol/session.ts.',
    emitConverter('ConvertTo-SessionToolsTargetError', null, s.targetError),
    '',
    ...s.commands.flatMap((c) => [emitFunction(c, s), '']),
    'Register-SessionToolsCleanup -Module $ExecutionContext.SessionState.Module',
    '',
  ].join('\n');
}

export function emitPsd1(s: Sources): string {
  return [
    header(hash),
    '@{',
    "    RootModule = 'SessionTools.psm1'",
    `    ModuleVersion = ${psString(s.version)}`,
    `    GUID = ${psString(MODULE_GUID)}`,
    "    Author = 'SessionTools contributors'",
    "    CompanyName = 'SessionTools'",
    "    Copyright = '(c) SessionTools contributors. All rights reserved.'",
    "    Description = 'Lists, disconnects and logs off user sessions, as objects, on Windows and Linux.'",
    "    PowerShellVersion = '5.1'",
    "    CompatiblePSEditions = @('Desktop', 'Core')",
    "    RequiredAssemblies = @('bin/SessionTools.Types.dll')",
    "    FormatsToProcess = @('SessionTools.format.ps1xml')",
    "    TypesToProcess = @('SessionTools.types.ps1xml')",
    `    FunctionsToExport = ${psArray(exportedNames(s))}`,
    '    CmdletsToExport = @()',
    '    VariablesToExport = @()',
    '    AliasesToExport = @()',
    '    PrivateData = @{',
    '        PSData = @{',
    "            Tags = @('Session', 'Logoff', 'RDP', 'RDS', 'WTS', 'utmp', 'Windows', 'Linux', 'PSEdition_Desktop', 'PSEdition_Core')",
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}

export function emitFormat(s: Sources): string {
  const v = s.view;
  const headers = v.table.map((col) => {
    const parts = [`<Label>${xmlEscape(col.label)}</Label>`];
    if (col.width) parts.push(`<Width>${col.width}</Width>`);
    if (col.align) parts.push(`<Alignment>${col.align}</Alignment>`);
    return `            <TableColumnHeader>${parts.join('')}</TableColumnHeader>`;
  });
  const items = v.table.map((col) =>
    col.format
      ? `                <TableColumnItem><ScriptBlock>if ($null -ne $_.${col.property}) { $_.${col.property}.ToString('${col.format}') }</ScriptBlock></TableColumnItem>`
      : `                <TableColumnItem><PropertyName>${col.property}</PropertyName></TableColumnItem>`,
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!--',
    header(xmlComment),
    '-->',
    '<Configuration>',
    '  <ViewDefinitions>',
    '    <View>',
    `      <Name>${v.typeName}</Name>`,
    '      <ViewSelectedBy>',
    `        <TypeName>${v.typeName}</TypeName>`,
    `        <TypeName>Deserialized.${v.typeName}</TypeName>`,
    '      </ViewSelectedBy>',
    ...(v.groupBy ? ['      <GroupBy>', `        <PropertyName>${v.groupBy}</PropertyName>`, '      </GroupBy>'] : []),
    '      <TableControl>',
    '        <TableHeaders>',
    ...headers,
    '        </TableHeaders>',
    '        <TableRowEntries>',
    '          <TableRowEntry>',
    '            <TableColumnItems>',
    ...items,
    '            </TableColumnItems>',
    '          </TableRowEntry>',
    '        </TableRowEntries>',
    '      </TableControl>',
    '    </View>',
    '  </ViewDefinitions>',
    '</Configuration>',
    '',
  ].join('\n');
}

export function emitTypes(s: Sources): string {
  const aliases = Object.entries(s.view.aliases).map(
    ([name, target]) => `      <AliasProperty><Name>${name}</Name><ReferencedMemberName>${target}</ReferencedMemberName></AliasProperty>`,
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!--',
    header(xmlComment),
    '-->',
    '<Types>',
    '  <Type>',
    `    <Name>${s.view.typeName}</Name>`,
    '    <Members>',
    ...aliases,
    '    </Members>',
    '  </Type>',
    '</Types>',
    '',
  ].join('\n');
}
