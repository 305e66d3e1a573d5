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

/** The table's cell of one column: the property, or its value formatted (ToString(format)). */
function columnItem(col: Sources['views'][number]['table'][number]): string {
  const value = col.type ? `([${col.type}] $_.${col.property})` : `$_.${col.property}`;
  return col.format
    ? `<ScriptBlock>if ($null -ne $_.${col.property}) { ${value}.ToString('${col.format}') }</ScriptBlock>`
    : `<PropertyName>${col.property}</PropertyName>`;
}

/** The types a view is for: the .NET type and its deserialized form (Import-Clixml, jobs, remoting). */
function selectedBy(v: Sources['views'][number]): string[] {
  return ['      <ViewSelectedBy>', `        <TypeName>${v.typeName}</TypeName>`, `        <TypeName>Deserialized.${v.typeName}</TypeName>`, '      </ViewSelectedBy>'];
}

function tableView(v: Sources['views'][number]): string[] {
  const headers = v.table.map((col) => {
    const parts = [`<Label>${xmlEscape(col.label)}</Label>`];
    if (col.width) parts.push(`<Width>${col.width}</Width>`);
    if (col.align) parts.push(`<Alignment>${col.align}</Alignment>`);
    return `            <TableColumnHeader>${parts.join('')}</TableColumnHeader>`;
  });
  const items = v.table.map((col) => `                <TableColumnItem>${columnItem(col)}</TableColumnItem>`);
  return [
    '    <View>',
    `      <Name>${v.typeName}</Name>`,
    ...selectedBy(v),
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

/** Format-List: every property of the view's wire type, in its order, each value as its ToString() (Idle exact). */
function listView(v: Sources['views'][number], s: Sources): string[] {
  const wire = s.wireTypes.find((t) => `SessionTools.${t.name}` === v.typeName);
  if (!wire) throw new Error(`codegen: the list view of ${v.typeName} names no wire type`);
  return [
    '    <View>',
    `      <Name>${v.typeName}.List</Name>`,
    ...selectedBy(v),
    '      <ListControl>',
    '        <ListEntries>',
    '          <ListEntry>',
    '            <ListItems>',
    ...wire.fields.map((f) => `              <ListItem><PropertyName>${f.name}</PropertyName></ListItem>`),
    '            </ListItems>',
    '          </ListEntry>',
    '        </ListEntries>',
    '      </ListControl>',
    '    </View>',
  ];
}

/** A type output alone shows as its ToString() text, one line (the deserialized form's ToString is that text too). */
function textView(typeName: string): string[] {
  return [
    '    <View>',
    `      <Name>${typeName}</Name>`,
    '      <ViewSelectedBy>',
    `        <TypeName>${typeName}</TypeName>`,
    `        <TypeName>Deserialized.${typeName}</TypeName>`,
    '      </ViewSelectedBy>',
    '      <CustomControl>',
    '        <CustomEntries>',
    '          <CustomEntry>',
    '            <CustomItem>',
    '              <ExpressionBinding><ScriptBlock>$_.ToString()</ScriptBlock></ExpressionBinding>',
    '            </CustomItem>',
    '          </CustomEntry>',
    '        </CustomEntries>',
    '      </CustomControl>',
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
    ...s.views.flatMap((v) => [...tableView(v), ...(v.list ? listView(v, s) : [])]),
    ...s.textViews.flatMap(textView),
    '  </ViewDefinitions>',
    '</Configuration>',
    '',
  ].join('\n');
}

/** PSStandardMembers of a type's serialization (docs/powershell.md, "Sessions after serialization"). */
function serializationMembers(z: Sources['serialization'][number]): string[] {
  const note = (name: string, value: string | number): string => `          <NoteProperty><Name>${name}</Name><Value>${value}</Value></NoteProperty>`;
  const members = [
    ...(z.depth !== undefined ? [note('SerializationDepth', z.depth)] : []),
    ...(z.properties ? [note('SerializationMethod', 'SpecificProperties'), '          <PropertySet>', '            <Name>PropertySerializationSet</Name>', '            <ReferencedProperties>', ...z.properties.map((p) => `              <Name>${p}</Name>`), '            </ReferencedProperties>', '          </PropertySet>'] : []),
  ];
  return ['      <MemberSet>', '        <Name>PSStandardMembers</Name>', '        <Members>', ...members, '        </Members>', '      </MemberSet>'];
}

export function emitTypes(s: Sources): string {
  const names = [...new Set([...s.views.map((v) => v.typeName), ...s.serialization.map((z) => z.typeName)])];
  const types = names.flatMap((name) => {
    const v = s.views.find((x) => x.typeName === name);
    const z = s.serialization.find((x) => x.typeName === name);
    const type = [
      '  <Type>',
      `    <Name>${name}</Name>`,
      '    <Members>',
      ...Object.entries(v?.aliases ?? {}).map(([alias, target]) => `      <AliasProperty><Name>${alias}</Name><ReferencedMemberName>${target}</ReferencedMemberName></AliasProperty>`),
      ...Object.entries(z?.hiddenProperties ?? {}).map(([prop, getter]) => `      <CodeProperty IsHidden="true"><Name>${prop}</Name><GetCodeReference><TypeName>${name}</TypeName><MethodName>${getter}</MethodName></GetCodeReference></CodeProperty>`),
      ...(z ? serializationMembers(z) : []),
      '    </Members>',
      '  </Type>',
    ];
    const rehydrate = z?.rehydrate
      ? ['  <Type>', `    <Name>Deserialized.${name}</Name>`, '    <Members>', '      <MemberSet>', '        <Name>PSStandardMembers</Name>', '        <Members>', `          <NoteProperty><Name>TargetTypeForDeserialization</Name><Value>${name}</Value></NoteProperty>`, '        </Members>', '      </MemberSet>', '    </Members>', '  </Type>']
      : [];
    return [...type, ...rehydrate];
  });
  return ['<?xml version="1.0" encoding="utf-8"?>', '<!--', header(xmlComment), '-->', '<Types>', ...types, '</Types>', ''].join('\n');
}
