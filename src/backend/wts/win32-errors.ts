/**
 * The one table of Win32 error codes the WTS backend knows: which ErrorId each becomes, and the
 * system's message for it (winerror.h names, messages as Windows words them). Codes not in the
 * table become BackendFailed with their number.
 */
import type { ErrorId } from '../../protocol/errors.ts';

interface Win32Code {
  name: string;
  message: string;
  /** The ErrorId; BackendFailed when absent. */
  errorId?: ErrorId;
  /** Why it happens and what to do, when the ErrorId's own action is not enough. */
  hint?: string;
}

export const WIN32_ERRORS: Readonly<Record<number, Win32Code>> = {
  5: {
    name: 'ERROR_ACCESS_DENIED',
    message: 'Access is denied.',
    errorId: 'AccessDenied',
    hint:
      'Run PowerShell elevated: acting on other users\' sessions needs an elevated administrator or the Remote Desktop ' +
      'Services permission for it. Remotely, client editions also need AllowRemoteRPC=1, and local accounts ' +
      'LocalAccountTokenFilterPolicy=1.',
  },
  6: { name: 'ERROR_INVALID_HANDLE', message: 'The handle is invalid.' },
  8: { name: 'ERROR_NOT_ENOUGH_MEMORY', message: 'Not enough memory resources are available to process this command.' },
  50: { name: 'ERROR_NOT_SUPPORTED', message: 'The request is not supported.' },
  53: { name: 'ERROR_BAD_NETPATH', message: 'The network path was not found.', errorId: 'ComputerUnreachable' },
  87: { name: 'ERROR_INVALID_PARAMETER', message: 'The parameter is incorrect.' },
  120: { name: 'ERROR_CALL_NOT_IMPLEMENTED', message: 'This function is not supported on this system.' },
  1008: { name: 'ERROR_NO_TOKEN', message: 'An attempt was made to reference a token that does not exist.' },
  1314: { name: 'ERROR_PRIVILEGE_NOT_HELD', message: 'A required privilege is not held by the client.', errorId: 'AccessDenied' },
  1702: { name: 'RPC_S_INVALID_BINDING', message: 'The binding handle is invalid.' },
  1722: {
    name: 'RPC_S_SERVER_UNAVAILABLE',
    message: 'The RPC server is unavailable.',
    errorId: 'ComputerUnreachable',
    hint: 'Is the computer on, is remote RPC allowed (AllowRemoteRPC on client editions), and does the firewall let SMB (TCP 445) through?',
  },
  1726: { name: 'RPC_S_CALL_FAILED', message: 'The remote procedure call failed.', errorId: 'ComputerUnreachable' },
  1727: {
    name: 'RPC_S_CALL_FAILED_DNE',
    message: 'The remote procedure call failed and did not execute.',
    errorId: 'ComputerUnreachable',
    hint: 'Is remote RPC allowed (AllowRemoteRPC on client editions), and does the firewall let SMB (TCP 445) through?',
  },
  1745: { name: 'RPC_S_PROCNUM_OUT_OF_RANGE', message: 'The procedure number is out of range.' },
  1753: { name: 'EPT_S_NOT_REGISTERED', message: 'There are no more endpoints available from the endpoint mapper.' },
  7007: { name: 'ERROR_CTX_CLOSE_PENDING', message: 'A close operation is pending on the session.', errorId: 'SessionNotFound' },
  7022: { name: 'ERROR_CTX_WINSTATION_NOT_FOUND', message: 'The specified session cannot be found.', errorId: 'SessionNotFound' },
  7038: { name: 'ERROR_CTX_NOT_CONSOLE', message: 'The requested operation can be performed only on the system console.' },
  7044: { name: 'ERROR_CTX_SHADOW_DENIED', message: 'The request to control another session remotely was denied.', errorId: 'AccessDenied' },
  7045: { name: 'ERROR_CTX_WINSTATION_ACCESS_DENIED', message: 'Session access is denied.', errorId: 'AccessDenied' },
};

/** A failed Win32 call, as the worker reports it: which function, and GetLastError() right after. */
export interface Win32Failure {
  fn: string;
  code: number;
}

export function errorIdOf(code: number): ErrorId {
  return WIN32_ERRORS[code]?.errorId ?? 'BackendFailed';
}

/** "5 ERROR_ACCESS_DENIED: Access is denied." or "Win32 error 1234" for codes not in the table. */
export function describeCode(code: number): string {
  const known = WIN32_ERRORS[code];
  return known ? `Win32 error ${code} ${known.name}: ${known.message}` : `Win32 error ${code}`;
}

/** The call, the code with its message, and the hint. */
export function failureDetail(failure: Win32Failure): string {
  const hint = WIN32_ERRORS[failure.code]?.hint;
  return `${failure.fn} failed with ${describeCode(failure.code)}${hint ? ` ${hint}` : ''}`;
}

/** "`what`: <failureDetail>". */
export function failureMessage(what: string, failure: Win32Failure): string {
  return `${what}: ${failureDetail(failure)}`;
}

/** The session is gone (logged off between two calls): skip it when listing. */
export function isSessionGone(code: number): boolean {
  return code === 7022 || code === 7007;
}

/** The computer itself stopped answering: one failure for the whole computer. */
export function isComputerLost(code: number): boolean {
  return errorIdOf(code) === 'ComputerUnreachable';
}
