/**
 * Send-UserSessionMessage on Linux: the text goes to the terminal of each session, as write(1)
 * does: a banner naming the sender, the text with its control characters made visible (so that
 * no escape sequence reaches the user's terminal), and EOF. A terminal cannot answer, so the
 * answer is Async; a message box's other buttons cannot exist here and are an error.
 *
 * The terminal is the session's ut_line under the device directory. It must be a terminal (isatty)
 * owned by the session's user (utmp is not cleaned up after a crash, and a terminal freed by one
 * session is reused by the next: a stale record must not make us write into another user's
 * terminal); root may write to any session's terminal, as write(1) run by root may.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { isatty } from 'node:tty';
import type { TargetError } from '../../protocol/errors.ts';
import type { Outcome } from '../../protocol/method.ts';
import type { SessionMessage, SessionTarget, UserSession } from '../../protocol/session.ts';
import { ComputerError } from '../backend.ts';
import { isLocalComputer, reportedComputerName } from '../local-computer.ts';
import { readSessions, type SessionSource } from './sessions.ts';
import { failedTo, remoteNotSupported, sessionNotFound } from './target-errors.ts';
import { isTerminalDevice, linePath } from './terminal-device.ts';

export type MessageOutcome = Outcome<SessionMessage>;

export interface LinuxMessage {
  Text: string;
  Title: string | null;
  Buttons: string | null;
}

function error(target: SessionTarget, ErrorId: TargetError['ErrorId'], Message: string): MessageOutcome {
  return { Target: target, Item: null, Error: { ErrorId, Message, Target: target.SessionId, ComputerName: reportedComputerName(target.ComputerName) } };
}

/**
 * Control characters shown as write(1) shows them (^C, ^[), so that the text cannot move the
 * cursor, change the title or the colours of the user's terminal: C0 but tab and newline, DEL,
 * and C1 (U+0080-U+009F, which some terminals take as escape sequences).
 */
export function visibleText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x7f) return '^?';
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    return `M-^${String.fromCharCode(code - 0x80 + 0x40)}`;
  });
}

/** What is written to the terminal: lines end in CR LF, since a terminal in raw mode does not add the CR. */
export function terminalMessage(msg: LinuxMessage, from: string, line: string, now: Date): string {
  const hhmm = `${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`;
  const lines = [`\u0007Message from ${from}@${hostname()} on ${line} at ${hhmm} ...`];
  if (msg.Title !== null) lines.push(visibleText(msg.Title));
  // CR LF (a text from Windows) is one line end, not a ^M.
  lines.push(...visibleText(msg.Text.replace(/\r\n/g, '\n')).split('\n'), 'EOF');
  return `\r\n${lines.join('\r\n')}\r\n`;
}

/** The uid of a user name from /etc/passwd; null when it is not there (a directory user). */
function passwdUid(user: string): number | null {
  try {
    for (const entry of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = entry.split(':');
      if (f[0] === user && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2]);
    }
  } catch {
    // no /etc/passwd: fall back to the leader's owner
  }
  return null;
}

/** The real uid of a process (the session's leader), from /proc/<pid>/status; null when hidden. */
function processUid(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function sendOne(target: SessionTarget, src: SessionSource, byId: ReadonlyMap<number, UserSession>, msg: LinuxMessage): MessageOutcome {
  if (!isLocalComputer(target.ComputerName)) return { Target: target, Item: null, Error: remoteNotSupported(target) };
  const s = byId.get(target.SessionId);
  if (s === undefined) return { Target: target, Item: null, Error: sessionNotFound(target) };
  const line = s.SessionName ?? '';
  if (msg.Buttons !== null && msg.Buttons !== 'OK') {
    return error(target, 'InvalidArgument', `A terminal has no buttons: session ${target.SessionId} (${s.UserName} on ${line}) takes only -Buttons OK, not ${msg.Buttons}. Nothing was sent.`);
  }
  const path = linePath(src.devDir, line);
  if (path === null) return error(target, 'NotSupportedOnPlatform', `Session ${target.SessionId} (${s.UserName}) has no terminal to write to (its line is '${line}').`);
  const me = userInfo();
  const notTerminal = () => error(target, 'BackendFailed', `${path}, the line of session ${target.SessionId}, is not a terminal; nothing was written.`);
  let fd: number;
  try {
    // Nothing but a terminal device is opened (a utmp record names any line): /dev/null would
    // swallow the text, and opening some devices acts by itself (a watchdog starts counting).
    const before = statSync(path);
    if (!isTerminalDevice(before)) return notTerminal();
    fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return error(target, 'AccessDenied', `Permission denied to write to ${path}, the terminal of session ${target.SessionId} (user ${s.UserName}): run as root or as that user.`);
    if (code === 'ENOENT' || code === 'ENXIO') return { Target: target, Item: null, Error: sessionNotFound(target) };
    return error(target, 'BackendFailed', `Could not open ${path} for session ${target.SessionId}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    // What was opened is still a terminal (the line was not replaced between the stat and the open).
    if (!isTerminalDevice(st) || !isatty(fd)) return notTerminal();
    const owner = passwdUid(s.UserName) ?? processUid(target.SessionId);
    if (me.uid !== 0 && st.uid !== owner) {
      return error(target, 'AccessDenied', `${path} is not owned by ${s.UserName}, the user of session ${target.SessionId} (a stale utmp record, or another user's terminal); only root writes to it. Nothing was written.`);
    }
    const text = Buffer.from(terminalMessage(msg, me.username, line, new Date()));
    // Non-blocking: a terminal with room for part of it takes that part, and the user sees it cut off.
    const written = writeSync(fd, text);
    if (written < text.length) {
      return error(target, 'BackendFailed', `The terminal of session ${target.SessionId} (${path}) took only ${written} of the message's ${text.length} bytes (its output is full); the rest was not written.`);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') return error(target, 'BackendFailed', `The terminal of session ${target.SessionId} (${path}) takes no more output now (its output is stopped or full); nothing was written.`);
    return error(target, 'BackendFailed', `Could not write to ${path} for session ${target.SessionId}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
  return { Target: target, Item: { ComputerName: hostname(), SessionId: target.SessionId, UserName: s.UserName, Answer: 'Async' }, Error: null };
}

/** One outcome per target, in order. A utmp file that cannot be read is each local target's error. */
export async function sendMessages(src: SessionSource, targets: readonly SessionTarget[], msg: LinuxMessage): Promise<MessageOutcome[]> {
  let sessions: UserSession[] = [];
  let unreadable: unknown = null;
  if (targets.some((t) => isLocalComputer(t.ComputerName))) {
    try {
      sessions = (await readSessions(src)).map((x) => x.session);
    } catch (e) {
      unreadable = e;
    }
  }
  const byId = new Map(sessions.map((x) => [x.SessionId, x]));
  return targets.map((target) => {
    if (unreadable !== null && isLocalComputer(target.ComputerName)) {
      return { Target: target, Item: null, Error: failedTo('send a message to', target, unreadable) };
    }
    return sendOne(target, src, byId, msg);
  });
}
