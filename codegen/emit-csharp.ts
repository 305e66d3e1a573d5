/**
 * The C# half of the protocol, compiled into bin/SessionTools.Types.dll with the hand-written
 * client (src/dotnet/SessionTools.Types/Client/):
 * - one class per wire type (UserSession, TargetError) with a reader that fills it from the JSON
 *   of an answer (Client/JsonReader.cs), generated from its TypeScript interface, so that
 *   TypeScript stays the one source of truth for both sides of the wire. Compiled, not PowerShell
 *   script: thousands of sessions convert in milliseconds, and compiled types have no runspace
 *   affinity, so the objects work inside ForEach-Object -Parallel;
 * - Protocol.g.cs: the protocol version, the error table, every method (kind, timeout policy,
 *   output reader) and every command (its method, ShouldProcess text, and each parameter's role).
 */
import type { ResolvedParameter } from '../src/catalog/resolve.ts';
import type { Method } from '../src/protocol/method.ts';
import type { Command, MethodModel, Sources, WireField, WireType } from './sources.ts';

const cs = (text: string): string => JSON.stringify(text);

interface CsField {
  type: string;
  read: string;
}

/** C# type and the expression reading it from JsonReader `r` (a non-null JSON value). */
function csField(t: WireType, f: WireField): CsField {
  const base = f.type.replace(/\s*\|\s*null/, '').trim();
  switch (base) {
    case 'string':
    case 'SessionState':
    case 'ErrorId':
    case 'MessageAnswer':
      return { type: 'string', read: 'r.ReadString()' };
    case 'number':
      return { type: f.nullable ? 'int?' : 'int', read: 'r.ReadInt32()' };
    case 'boolean':
      return { type: f.nullable ? 'bool?' : 'bool', read: 'r.ReadBool()' };
    case 'string | number':
      return { type: 'object', read: 'r.ReadStringOrInteger()' };
    case 'Bytes':
      return { type: 'long', read: 'r.ReadInt64()' };
    case 'DurationMs':
      return { type: 'Duration', read: 'Duration.FromMilliseconds(r.ReadDouble())' };
    case 'IsoDateTime':
      return {
        type: f.nullable ? 'DateTime?' : 'DateTime',
        read: 'DateTime.Parse(r.ReadString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToLocalTime()',
      };
    default:
      throw new Error(`codegen: no .NET type for the wire type '${f.type}' of ${t.name}.${f.name}`);
  }
}

const summary = (doc: string, pad: string): string =>
  doc ? `${pad}/// <summary>${doc.replace(/\s+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;')}</summary>\n` : '';

/** A wire type's class: public when PowerShell users see it (the methods' outputs), else internal. */
export function emitWireClass(t: WireType, isPublic: boolean, header: string): string {
  if (t.fields.length > 62) throw new Error(`codegen: ${t.name} has more than 62 fields, which its reader cannot track`);
  const props = t.fields.map((f) => `${summary(f.doc, '        ')}        public ${csField(t, f).type} ${f.name} { get; set; }`);
  const all = t.fields.reduce((mask, _f, i) => mask | (1n << BigInt(i)), 0n);
  const cases = t.fields.map((f, i) => {
    const { read } = csField(t, f);
    const set = f.nullable ? `if (!r.TryReadNull()) o.${f.name} = ${read};` : `o.${f.name} = ${read};`;
    return `                    case ${cs(f.name)}: ${set} seen |= 0x${(1n << BigInt(i)).toString(16)}L; break;`;
  });
  return `${header}
using System;
using System.Globalization;
using SessionTools.Rpc;

namespace SessionTools
{
${summary(t.doc, '    ')}    ${isPublic ? 'public' : 'internal'} sealed class ${t.name}
    {
${props.join('\n')}

        private static readonly string[] Members = { ${t.fields.map((f) => cs(f.name)).join(', ')} };

        /// <summary>Reads one ${t.name} of a JSON-RPC answer; every member must be there, in any order.</summary>
        [System.Runtime.CompilerServices.MethodImpl(JsonReader.Hot)]
        internal static ${t.name} ReadJson(JsonReader r)
        {
            var o = new ${t.name}();
            long seen = 0;
            r.BeginObject();
            string name;
            while (r.NextMember(out name))
            {
                switch (name)
                {
${cases.join('\n')}
                    default: r.Skip(); break;
                }
            }
            if (seen != 0x${all.toString(16)}L)
            {
                for (int i = 0; i < Members.Length; i++)
                    if ((seen & (1L << i)) == 0) throw new FormatException("The helper's answer lacks " + Members[i] + ".");
            }
            return o;
        }
    }
}
`;
}

const METHOD_KINDS: Record<Method['kind'], string> = { handshake: 'MethodKind.Handshake', query: 'MethodKind.Query', action: 'MethodKind.Action' };
const ROLES: Record<NonNullable<ResolvedParameter['role']> | 'field', string> = {
  field: 'Role.Field',
  inputObject: 'Role.InputObject',
  targetId: 'Role.TargetId',
  targetComputer: 'Role.TargetComputer',
  passThru: 'Role.PassThru',
  force: 'Role.Force',
  notify: 'Role.Notify',
  gracePeriod: 'Role.GracePeriod',
};

function methodInfo({ id, method: m }: MethodModel): string {
  const t = m.timeout;
  const members = [`Name = ${cs(m.name)}`, `Kind = ${METHOD_KINDS[m.kind]}`, `Seconds = ${t.seconds}`];
  if (t.whenFlag) members.push(`WhenFlag = ${cs(t.whenFlag.field)}`, `WhenFlagSeconds = ${t.whenFlag.seconds}`);
  if (t.perRound) {
    const r = t.perRound;
    if (r.rounds) members.push(`RoundItems = ${cs(r.rounds.items)}`, `RoundSize = ${cs(r.rounds.size)}`);
    members.push(`RoundEach = ${cs(r.each)}`, `RoundPlus = ${r.plus}`);
  }
  const defaults = Object.entries(m.params).filter(([, f]) => f.kind === 'int' && f.default !== undefined);
  if (defaults.length > 0) members.push(`Defaults = { ${defaults.map(([n, f]) => `{ ${cs(n)}, ${f.default} }`).join(', ')} }`);
  if (m.output !== null) members.push(`ReadItem = ${m.output}.ReadJson`);
  return `        internal static readonly MethodInfo ${id} = new MethodInfo\n        {\n${members.map((x) => `            ${x},`).join('\n')}\n        };`;
}

function commandInfo(c: Command, s: Sources): string {
  const id = (s.methods.find((m) => m.method === c.method) as MethodModel).id;
  const impact = c.kind === 'action' ? `ConfirmImpact.${c.confirmImpact}` : 'ConfirmImpact.None';
  const params = c.parameters.map((p) => `                new ParameterInfo(${cs(p.name)}, ${ROLES[p.role ?? 'field']}, ${p.pipeline !== undefined})`);
  return [
    `            new CommandInfo(${cs(c.Name)}, ${id}, ${c.targetsField ? cs(c.targetsField) : 'null'}, ${c.action ? cs(c.action) : 'null'}, ${impact},`,
    `${params.join(',\n')}),`,
  ].join('\n');
}

export function emitProtocol(s: Sources, header: string): string {
  const initialize = s.methods.find((m) => m.method.kind === 'handshake');
  if (!initialize) throw new Error('codegen: src/protocol/methods.ts declares no handshake method');
  const errors = Object.entries(s.errors).map(([id, e]) => `            { ${cs(id)}, new ErrorInfo(ErrorCategory.${e.category}, ${cs(e.action)}) },`);
  return `${header}
using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace SessionTools.Rpc
{
    internal static class Protocol
    {
        /// <summary>From src/protocol/methods.ts: the helper must speak this protocol version.</summary>
        internal const int Version = ${s.protocolVersion};

        /// <summary>From src/protocol/errors.ts: ErrorId to ErrorCategory and recommended action.</summary>
        internal static readonly Dictionary<string, ErrorInfo> Errors = new Dictionary<string, ErrorInfo>
        {
${errors.join('\n')}
        };

${s.methods.map(methodInfo).join('\n\n')}

        /// <summary>The handshake every helper is checked with.</summary>
        internal static MethodInfo Handshake { get { return ${initialize.id}; } }

        private static readonly Dictionary<string, CommandInfo> Commands = ByName(
${s.commands.map((c) => commandInfo(c, s)).join('\n').replace(/,$/, '')});

        private static Dictionary<string, CommandInfo> ByName(params CommandInfo[] commands)
        {
            var byName = new Dictionary<string, CommandInfo>(StringComparer.OrdinalIgnoreCase);
            foreach (CommandInfo c in commands) byName.Add(c.Name, c);
            return byName;
        }

        /// <summary>The command of this name (the generated functions pass their own).</summary>
        internal static CommandInfo Command(string name)
        {
            CommandInfo c;
            if (!Commands.TryGetValue(name, out c)) throw new ArgumentException("SessionTools has no command " + name + ".");
            return c;
        }
    }
}
`;
}
