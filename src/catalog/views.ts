/**
 * Default views of the module's objects, read by codegen/ to emit SessionTools.format.ps1xml and
 * SessionTools.types.ps1xml: one entry per type. Columns name properties of the wire types
 * (src/protocol/session.ts).
 */
export interface ViewColumn {
  property: string;
  label: string;
  width?: number;
  align?: 'Left' | 'Right';
  /** A .NET format string for the value's ToString(format). */
  format?: string;
  /**
   * The type the value is converted to before ToString(format): a Duration that arrived as a
   * property bag (remoting over SSH, where PowerShell rehydrates nothing of the module's) shows too.
   */
  type?: string;
}

export interface View {
  /** The .NET type the view is for (and its deserialized form). */
  typeName: string;
  /** Extra names for properties (AliasProperty). */
  aliases: Record<string, string>;
  /** A property that groups the table ("ComputerName: SRV01" above each group). */
  groupBy?: string;
  table: ViewColumn[];
  /**
   * A list view (Format-List) too, of every property of the wire type, in its order: the table
   * leaves most of them out.
   */
  list?: boolean;
}

/**
 * How a type crosses PowerShell's serializer (Export-Clixml, Start-Job, Invoke-Command), written
 * as PSStandardMembers in SessionTools.types.ps1xml (docs/powershell.md, "Sessions after serialization").
 */
export interface Serialization {
  typeName: string;
  /**
   * SerializationDepth: how many levels of its properties are written with their types. Jobs and
   * remoting write one level, past which a property becomes its ToString() text.
   */
  depth?: number;
  /** Only these properties are written (SerializationMethod SpecificProperties). */
  properties?: string[];
  /**
   * Properties PowerShell reads but neither shows nor writes to JSON (ConvertTo-Json skips hidden
   * extended members, not .NET ones): name to the static getter in the type, which takes the PSObject.
   */
  hiddenProperties?: Record<string, string>;
  /** Deserialized.<typeName> is turned back into the type (TargetTypeForDeserialization), by its converter. */
  rehydrate?: boolean;
}

export const VIEWS: View[] = [
  {
    typeName: 'SessionTools.UserSession',
    /** -Id binds by property name and `$s.Id` reads. */
    aliases: { Id: 'SessionId' },
    // Sessions are shown in groups per computer, as Get-Service shows services, which keeps the
    // table narrow enough for 80 columns: the fixed widths and their six separators take 64, which
    // leaves ClientAddress 16, its header and an IPv4 address whole (TableView.Tests.ps1). Each
    // width is that of its header or of its longest usual value (Disconnected, 3d04h); the logon
    // time goes without its year.
    groupBy: 'ComputerName',
    table: [
      { property: 'SessionId', label: 'Id', width: 6, align: 'Right' },
      { property: 'UserName', label: 'UserName', width: 12 },
      { property: 'SessionName', label: 'SessionName', width: 11 },
      { property: 'State', label: 'State', width: 12 },
      { property: 'Idle', label: 'Idle', width: 6, align: 'Right', format: 'c', type: 'SessionTools.Duration' },
      { property: 'LogonTime', label: 'LogonTime', width: 11, format: 'MM-dd HH:mm' },
      { property: 'ClientAddress', label: 'ClientAddress' },
    ],
    list: true,
  },
  {
    typeName: 'SessionTools.SessionProcess',
    /** As Get-Process names them. */
    aliases: { ProcessId: 'Id', ProcessName: 'Name', WS: 'WorkingSet' },
    // As Task Manager's Users tab: per computer, each session's processes with user, memory and
    // start. The working set in megabytes of 1,000,000 bytes ('#,0,,.0' divides by a million).
    groupBy: 'ComputerName',
    table: [
      { property: 'SessionId', label: 'Session', width: 7, align: 'Right' },
      { property: 'UserName', label: 'UserName', width: 12 },
      { property: 'Id', label: 'Id', width: 7, align: 'Right' },
      { property: 'WorkingSet', label: 'WS(MB)', width: 8, align: 'Right', format: '#,0,,.0' },
      { property: 'StartTime', label: 'StartTime', width: 11, format: 'MM-dd HH:mm' },
      { property: 'Name', label: 'Name' },
    ],
  },
];

/**
 * Types written as their text (ToString()) when they are output alone, deserialized too:
 * `$session.Idle` prints 2m09.437s, not a list of its Ticks and totals.
 */
export const TEXT_VIEWS: string[] = ['SessionTools.Duration'];

export const SERIALIZATION: Serialization[] = [
  // Two levels, so that Idle travels as a Duration (its Ticks), not as its text: a text Idle
  // compares as text ("3m" -gt "30m" is true) wherever it is filtered.
  { typeName: 'SessionTools.UserSession', depth: 2 },
  // Ticks is the exact value; the receiving PowerShell makes a Duration of it again (DurationConverter.cs).
  // $idle.TimeSpan without ConvertTo-Json nesting a TimeSpan's twenty members in every session.
  { typeName: 'SessionTools.Duration', properties: ['Ticks'], rehydrate: true, hiddenProperties: { TimeSpan: 'GetTimeSpan' } },
];
