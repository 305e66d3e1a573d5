/**
 * The session object as a compiled .NET class, SessionTools.UserSession, with a reader that fills
 * it from the JSON-RPC answer (the XmlElement JsonReaderWriterFactory makes of it). Generated from
 * the UserSession interface in src/protocol/session.ts, so TypeScript stays the one source of
 * truth for both sides of the wire. Compiled (not PowerShell script) because thousands of
 * sessions must convert in milliseconds, and compiled types have no runspace affinity, so the
 * objects work inside ForEach-Object -Parallel.
 */
import type { WireField } from './sources.ts';

interface CsField {
  type: string;
  read: string;
}

/** C# type and the expression reading it from XmlElement `e` (non-null JSON value). */
function csField(f: WireField): CsField {
  const base = f.type.replace(/\s*\|\s*null/, '').trim();
  switch (base) {
    case 'string':
    case 'SessionState':
      return { type: 'string', read: 'e.InnerText' };
    case 'number':
      return { type: f.nullable ? 'int?' : 'int', read: 'int.Parse(e.InnerText, NumberStyles.Integer, CultureInfo.InvariantCulture)' };
    case 'boolean':
      return { type: f.nullable ? 'bool?' : 'bool', read: "e.InnerText == \"true\"" };
    case 'DurationMs':
      return { type: 'Duration', read: 'Duration.FromMilliseconds(double.Parse(e.InnerText, NumberStyles.Float, CultureInfo.InvariantCulture))' };
    case 'IsoDateTime':
      return {
        type: f.nullable ? 'DateTime?' : 'DateTime',
        read: 'DateTime.Parse(e.InnerText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToLocalTime()',
      };
    default:
      throw new Error(`codegen: no .NET type for the wire type '${f.type}' of ${f.name}`);
  }
}

export function emitUserSessionClass(fields: WireField[], header: string): string {
  const props = fields.map((f) => {
    const { type } = csField(f);
    const doc = f.doc ? `        /// <summary>${f.doc.replace(/\s+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;')}</summary>\n` : '';
    return `${doc}        public ${type} ${f.name} { get; set; }`;
  });
  const reads = fields.map((f) => {
    const { read } = csField(f);
    const get = `            e = Member(node, "${f.name}");`;
    return f.nullable ? `${get}\n            if (!IsNull(e)) s.${f.name} = ${read};` : `${get}\n            s.${f.name} = ${read};`;
  });
  return `${header}
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Xml;

namespace SessionTools
{
    /// <summary>One user session on one computer, as Get-UserSession writes it.</summary>
    public sealed class UserSession
    {
${props.join('\n')}

        /// <summary>Reads one session of a JSON-RPC answer (JsonReaderWriterFactory's XML form).</summary>
        public static UserSession FromWire(XmlElement node)
        {
            var s = new UserSession();
            XmlElement e;
${reads.join('\n')}
            return s;
        }

        /// <summary>Reads a JSON array of sessions.</summary>
        public static List<UserSession> FromWireArray(XmlElement array)
        {
            var list = new List<UserSession>();
            foreach (XmlNode child in array.ChildNodes)
            {
                var item = child as XmlElement;
                if (item != null) list.Add(FromWire(item));
            }
            return list;
        }

        private static XmlElement Member(XmlElement node, string name)
        {
            XmlElement e = node[name];
            if (e == null) throw new FormatException("The helper's answer lacks " + name + ".");
            return e;
        }

        private static bool IsNull(XmlElement e)
        {
            return e.GetAttribute("type") == "null";
        }
    }
}
`;
}
