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
}

export interface View {
  /** The .NET type the view is for (and its deserialized form). */
  typeName: string;
  /** Extra names for properties (AliasProperty). */
  aliases: Record<string, string>;
  /** A property that groups the table ("ComputerName: SRV01" above each group). */
  groupBy?: string;
  table: ViewColumn[];
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
      { property: 'Idle', label: 'Idle', width: 6, align: 'Right' },
      { property: 'LogonTime', label: 'LogonTime', width: 11, format: 'MM-dd HH:mm' },
      { property: 'ClientAddress', label: 'ClientAddress' },
    ],
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
