/**
 * Default views of the module's objects, read by codegen/ to emit SessionTools.format.ps1xml and
 * SessionTools.types.ps1xml. Columns name properties of the wire types in src/protocol/session.ts.
 */
export const USER_SESSION_VIEW = {
  typeName: 'SessionTools.UserSession',
  /** Extra names for properties, so that -Id binds by property name and `$s.Id` reads. */
  aliases: { Id: 'SessionId' },
  /** Sessions are shown in groups per computer ("ComputerName: SRV01" above each group), as
   *  Get-Service shows services, which keeps the table narrow enough for 80 columns. */
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
} as const;
