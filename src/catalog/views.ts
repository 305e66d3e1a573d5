/**
 * Default views of the module's objects, read by codegen/ to emit SessionTools.format.ps1xml and
 * SessionTools.types.ps1xml. Columns name properties of the wire types in src/protocol/session.ts.
 */
export const USER_SESSION_VIEW = {
  typeName: 'SessionTools.UserSession',
  /** Extra names for properties, so that -Id binds by property name and `$s.Id` reads. */
  aliases: { Id: 'SessionId' },
  table: [
    { property: 'ComputerName', label: 'ComputerName', width: 15 },
    { property: 'SessionId', label: 'Id', width: 7, align: 'Right' },
    { property: 'UserName', label: 'UserName', width: 16 },
    { property: 'SessionName', label: 'SessionName', width: 12 },
    { property: 'State', label: 'State', width: 12 },
    { property: 'Idle', label: 'Idle', width: 7, align: 'Right' },
    { property: 'LogonTime', label: 'LogonTime', width: 16, format: 'yyyy-MM-dd HH:mm' },
    { property: 'ClientAddress', label: 'ClientAddress' },
  ],
} as const;
