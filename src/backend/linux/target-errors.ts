/**
 * The TargetErrors the Linux backend reports, with their messages, in one place.
 */
import { ComputerError } from '../backend.ts';
import type { TargetError } from '../../protocol/errors.ts';
import type { SessionTarget } from '../../protocol/session.ts';
import { reportedComputerName } from '../local-computer.ts';

function targetError(target: SessionTarget, ErrorId: TargetError['ErrorId'], Message: string): TargetError {
  return { ErrorId, Message, Target: target.SessionId, ComputerName: reportedComputerName(target.ComputerName) };
}

export function remoteNotSupported(target: SessionTarget): TargetError {
  return targetError(
    target,
    'NotSupportedOnPlatform',
    `Cannot act on sessions of computer '${target.ComputerName}': the Linux backend manages only the local ` +
      'computer. Remote computers need the Windows backend.',
  );
}

export function disconnectNotSupported(target: SessionTarget): TargetError {
  return targetError(
    target,
    'NotSupportedOnPlatform',
    'Disconnect has no meaning on Linux: a terminal session cannot be detached and resumed. ' +
      'Use Stop-UserSession to log it off.',
  );
}

export function lockNotSupported(target: SessionTarget): TargetError {
  return targetError(
    target,
    'NotSupportedOnPlatform',
    `Session ${target.SessionId} cannot be locked: a Linux terminal session has no lock screen. For a graphical ` +
      'session of systemd-logind use `loginctl lock-session <its logind id>`; else Stop-UserSession logs it off.',
  );
}

export function sessionNotFound(target: SessionTarget): TargetError {
  const computer = reportedComputerName(target.ComputerName);
  return targetError(target, 'SessionNotFound', `No session with id ${target.SessionId} on ${computer}.`);
}

/**
 * kill(2): only root (CAP_KILL) may signal another user's processes; nothing of theirs was sent.
 * `caller` is the user asking (null if unknown): her own session that holds another user's
 * processes (root's login(1) or sudo) needs root, not her again.
 */
export function accessDenied(target: SessionTarget, user: string, line: string | null, caller: string | null): TargetError {
  const where = line === null ? `user ${user}` : `${user} on ${line}`;
  const why =
    caller === user
      ? 'some of its processes belong to another user (root\'s login or sudo, for example), and only root (a process with CAP_KILL) may signal them. Run as root (sudo).'
      : `its processes belong to another user, and only root (a process with CAP_KILL) may signal them. Run as root (sudo), or as ${user}.`;
  return targetError(target, 'AccessDenied', `Permission denied to log off session ${target.SessionId} (${where}): ${why}`);
}

export function timedOut(target: SessionTarget, user: string, afterKillMs: number): TargetError {
  return targetError(
    target,
    'ActionTimedOut',
    `Session ${target.SessionId} (user ${user}) was still running ${afterKillMs / 1000} s after SIGKILL.`,
  );
}

export function backendFailed(target: SessionTarget, err: unknown): TargetError {
  return failedTo('log off', target, err);
}

/**
 * `doing` failed for the target because of `err`: a failure the backend named (the utmp file
 * missing or unreadable: SessionSourceUnreadable) keeps its ErrorId, anything else is BackendFailed.
 */
export function failedTo(doing: string, target: SessionTarget, err: unknown): TargetError {
  const detail = err instanceof Error ? err.message : String(err);
  return targetError(target, err instanceof ComputerError ? err.errorId : 'BackendFailed', `Could not ${doing} session ${target.SessionId}: ${detail}`);
}
