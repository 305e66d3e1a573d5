/**
 * PowerShell functions that turn small wire objects (XmlElements from Read-SessionToolsJson) into
 * PowerShell objects: today TargetError. Each property's conversion follows its TypeScript type.
 * Sessions, which come by the thousand, are read by compiled code instead (emit-csharp.ts), so
 * only the types small objects use are known here; another type fails codegen, loudly.
 */
import type { WireField } from './sources.ts';
import { psString } from './powershell.ts';

/** The expression that converts the XmlElement in `$e` to the field's PowerShell value. */
function valueExpression(field: WireField): string {
  const base = field.type.replace(/\s*\|\s*null/, '').trim();
  switch (base) {
    case 'string':
    case 'ErrorId':
      return '$e.InnerText';
    case 'string | number':
      return "$(if ($e.GetAttribute('type') -eq 'number') { [long] $e.InnerText } else { $e.InnerText })";
    default:
      throw new Error(`codegen: no PowerShell conversion for the wire type '${field.type}' of ${field.name}`);
  }
}

export function emitConverter(functionName: string, typeName: string | null, fields: WireField[]): string {
  const lines = [`function ${functionName} {`, '    param([System.Xml.XmlElement] $Node)'];
  for (const f of fields) {
    lines.push(`    $e = $Node[${psString(f.name)}]`);
    lines.push(`    if ($null -eq $e) { throw ${psString(`The helper's answer lacks ${f.name}.`)} }`);
    if (f.nullable) {
      lines.push(`    $${f.name} = $null`);
      lines.push(`    if ($e.GetAttribute('type') -ne 'null') { $${f.name} = ${valueExpression(f)} }`);
    } else {
      lines.push(`    $${f.name} = ${valueExpression(f)}`);
    }
  }
  lines.push('    [pscustomobject] @{');
  if (typeName) lines.push(`        PSTypeName = ${psString(typeName)}`);
  for (const f of fields) lines.push(`        ${f.name} = $${f.name}`);
  lines.push('    }', '}');
  return lines.join('\n');
}
