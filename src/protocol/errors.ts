/**
 * Every error the project reports, by stable ErrorId. One table: the helper puts the id in each
 * failed result, and codegen emits this table into the module so that PowerShell picks the
 * ErrorCategory and the recommended action from the same place.
 */
export const ERRORS = {
  SessionNotFound: {
    category: 'ObjectNotFound',
    action: 'Run Get-UserSession to see the sessions that exist now.',
  },
  UserNotFound: {
    category: 'ObjectNotFound',
    action: 'Run Get-UserSession to see who is logged on.',
  },
  AccessDenied: {
    category: 'PermissionDenied',
    action: 'Run PowerShell as the session\'s own user, or elevated (root on Linux, Administrator on Windows); the message says what the computer requires.',
  },
  NotSupportedOnPlatform: {
    category: 'NotImplemented',
    action: 'This action has no meaning on this platform; use Stop-UserSession to end the session.',
  },
  ComputerUnreachable: {
    category: 'ConnectionError',
    action: 'Check that the computer is on and reachable, that remote RPC is allowed (AllowRemoteRPC on client editions) and that the firewall lets SMB (TCP 445) through.',
  },
  ComputerTimeout: {
    category: 'OperationTimeout',
    action: 'The computer did not answer in time; check that it is reachable, or raise -TimeoutSec where the command has it.',
  },
  ActionTimedOut: {
    category: 'OperationTimeout',
    action: 'The session may still be ending; run Get-UserSession to check.',
  },
  ConfirmationRequired: {
    category: 'InvalidOperation',
    action: 'Pass -Force or -Confirm:$false to act without asking (as unattended scripts must), or -WhatIf to see what would be done.',
  },
  NotASession: {
    category: 'InvalidType',
    action: 'Pipe the sessions Get-UserSession writes (or objects with a SessionId property, such as the rows of a CSV of sessions), or name them with -Id.',
  },
  InvalidArgument: {
    category: 'InvalidArgument',
    action: 'Check the parameter values.',
  },
  SessionSourceUnreadable: {
    category: 'ReadError',
    action: 'Check that the file of sessions exists and can be read by this user (on Linux the utmp file: SESSIONTOOLS_UTMP_PATH when set, else /run/utmp, or /var/run/utmp where /run/utmp does not exist).',
  },
  BackendFailed: {
    category: 'NotSpecified',
    action: 'See the message for the system error.',
  },
  HelperNotFound: {
    category: 'NotInstalled',
    action: 'Reinstall the module, or run `npm run build` in a source checkout.',
  },
  HelperNotProtected: {
    category: 'SecurityError',
    action: 'PowerShell runs elevated, and ordinary users could replace the helper it would start: make the path named, its runtime and their folders up to the module\'s folder writable only by root (Linux) or Administrators, SYSTEM and TrustedInstaller (Windows), e.g. install for all users.',
  },
  HelperStartFailed: {
    category: 'ResourceUnavailable',
    action: 'See the message for the helper\'s own output.',
  },
  HelperTimeout: {
    category: 'OperationTimeout',
    action: 'The helper was stopped; nothing is known to have been done. Run the command again.',
  },
  HelperExited: {
    category: 'ConnectionError',
    action: 'The helper ended during the call; nothing is known to have been done. Run the command again.',
  },
  HelperProtocolError: {
    category: 'ProtocolError',
    action: 'The helper sent something that is not protocol; it was stopped. Run the command again.',
  },
} as const;

export type ErrorId = keyof typeof ERRORS;

/** A failure that concerns one target (a session, a user name, a computer). */
export interface TargetError {
  ErrorId: ErrorId;
  Message: string;
  /** What the error is about, as the caller named it: a session id, a user name or a computer. */
  Target: string | number;
  ComputerName: string;
}
