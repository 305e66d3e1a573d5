/** The module's files: .psm1, .psd1, format and types, from the sources. */
import { emitCompletion } from './emit-completion.ts';
import { emitFunction } from './emit-functions.ts';
import { header, psArray, psString } from './powershell.ts';
import type { Sources } from './sources.ts';

const hash = (line: string): string => `# ${line}`;
const xmlComment = (line: string): string => `  ${line}`;
const xmlEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Fixed forever: it identifies the module to PowerShellGet and to side-by-side installs. */
const MODULE_GUID = '5d0b8f3e-7c1a-4e8b-9a44-2f6c1d3e9b70';

export function emitPsm1(s: Sources): string {
  return [
    header(hash),
    '',
    'Set-StrictMode -Version 2.0',
    '',
    '# The way to the helper: compiled (SessionTools.Rpc.HelperClient in bin/SessionTools.Types.dll, from',
    '# src/dotnet/SessionTools.Types/Client/), one per import of the module (docs/powershell.md, section 5).',
    '$script:SessionToolsClient = [SessionTools.Rpc.HelperClient]::new($PSScriptRoot)',
    '',
    ...s.commands.flatMap((c) => [emitFunction(c, s), '']),
    emitCompletion(s),
    '',
    '# The helper stops when the module is removed, and when PowerShell exits under its own control; a',
    '# killed PowerShell closes the helper\'s stdin, and the helper exits at EOF by itself. The event',
    '# manager is .NET (Register-EngineEvent would load Microsoft.PowerShell.Utility).',
    "$script:SessionToolsExiting = $ExecutionContext.Events.SubscribeEvent($null, $null, 'PowerShell.Exiting', $null, { $script:SessionToolsClient.Dispose() }, $true, $false)",
    '$ExecutionContext.SessionState.Module.OnRemove = {',
    '    $ExecutionContext.Events.UnsubscribeEvent($script:SessionToolsExiting)',
    '    $script:SessionToolsClient.Dispose()',
    '}',
    '',
  ].join('\n');
}

/** PSData's URLs and release notes, from package.json (what the PowerShell Gallery shows). */
function psData(r: Sources['release']): string[] {
  return [
    ...(r.homepage ? [`            ProjectUri = ${psString(r.homepage)}`] : []),
    ...(r.license ? [`            LicenseUri = ${psString(`https://spdx.org/licenses/${r.license}.html`)}`] : []),
    `            ReleaseNotes = ${psString(r.releaseNotes)}`,
  ];
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
    `    FunctionsToExport = ${psArray(s.commands.map((c) => c.Name))}`,
    '    CmdletsToExport = @()',
    '    VariablesToExport = @()',
    '    AliasesToExport = @()',
    '    PrivateData = @{',
    '        PSData = @{',
    "            Tags = @('Session', 'Logoff', 'RDP', 'RDS', 'WTS', 'utmp', 'Windows', 'Linux', 'PSEdition_Desktop', 'PSEdition_Core')",
    ...psData(s.release),
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}

function formatView(v: Sources['views'][number]): string[] {
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
  ];
}

export function emitFormat(s: Sources): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!--',
    header(xmlComment),
    '-->',
    '<Configuration>',
    '  <ViewDefinitions>',
    ...s.views.flatMap(formatView),
    '  </ViewDefinitions>',
    '</Configuration>',
    '',
  ].join('\n');
}

export function emitTypes(s: Sources): string {
  const types = s.views.flatMap((v) => [
    '  <Type>',
    `    <Name>${v.typeName}</Name>`,
    '    <Members>',
    ...Object.entries(v.aliases).map(([name, target]) => `      <AliasProperty><Name>${name}</Name><ReferencedMemberName>${target}</ReferencedMemberName></AliasProperty>`),
    '    </Members>',
    '  </Type>',
  ]);
  return ['<?xml version="1.0" encoding="utf-8"?>', '<!--', header(xmlComment), '-->', '<Types>', ...types, '</Types>', ''].join('\n');
}
