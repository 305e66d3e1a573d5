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
    // table narrow enough for 80 columns.
    groupBy: 'ComputerName',
    table: [
      { property: 'SessionId', label: 'Id', width: 7, align: 'Right' },
      { property: 'UserName', label: 'UserName', width: 16 },
      { property: 'SessionName', label: 'SessionName', width: 12 },
      { property: 'State', label: 'State', width: 12 },
      { property: 'Idle', label: 'Idle', width: 7, align: 'Right' },
      { property: 'LogonTime', label: 'LogonTime', width: 16, format: 'yyyy-MM-dd HH:mm' },
      { property: 'ClientAddress', label: 'ClientAddress' },
    ],
  },
];
