/**
 * What the main thread asks the WTS pool, and what the worker threads answer. Every value crosses
 * threads by structured clone.
 *
 * A Job is what the backend asks the pool for (index.ts); a Task is what one worker runs. An action
 * job is one task; a list job (of this computer: a remote one is listed with asynchronous calls,
 * remote-list.ts) is split by the pool (list.ts) into an enumeration task and describe tasks, so
 * that thousands of sessions are described on several workers at once.
 */
import type { UserSession } from '../../protocol/session.ts';
import type { ACTIONS } from './actions.ts';
import type { EnumeratedSession, RawProcess } from './calls.ts';
import type { SessionsText } from './listed-session.ts';
import type { Win32Failure } from './win32-errors.ts';

/** Data every worker starts with. */
export interface WorkerData {
  /** SESSIONTOOLS_WTSAPI_PATH as the backend was created with; null: the system DLLs. */
  libraryPath: string | null;
}

interface ComputerJob {
  /** The server to open; null: this computer (WTS_CURRENT_SERVER_HANDLE). */
  computer: string | null;
  /** The name reported in each session's ComputerName. */
  computerName: string;
}

export interface ListJob extends ComputerJob {
  op: 'list';
  includeSystem: boolean;
}

/** The actions a worker knows (actions.ts). */
export type ActionKind = keyof typeof ACTIONS;

export interface ActionJob extends ComputerJob {
  op: ActionKind;
  ids: number[];
  wait: boolean;
}

/** The processes of some sessions of one computer (processes.ts), over one server handle. */
export interface ProcessesJob extends ComputerJob {
  op: 'processes';
  ids: number[];
}

/** One session's processes, or why they could not be listed. */
export interface ProcessRow {
  id: number;
  failure: Win32Failure | null;
  processes: RawProcess[];
}

/** A message box in one session (message-task.ts): one task per session, so that waits for answers run side by side. */
export interface MessageJob extends ComputerJob {
  op: 'message';
  id: number;
  title: string;
  text: string;
  /** The WTSSendMessageW Style: the MessageBox buttons value. */
  style: number;
  timeoutSec: number;
  wait: boolean;
}

/** A message's answer: the WTSSendMessageW response, and the session's user when it was sent. */
export interface MessageRow {
  response: number;
  userName: string | null;
}

/** The session the helper (and so its PowerShell) runs in, on this computer. */
export interface OwnSessionJob {
  op: 'ownSession';
}

export type Job = OwnSessionJob | ProcessesJob | ListJob | ActionJob | MessageJob;

/**
 * Opens the server (when remote), enumerates its sessions, closes it; the sessions to show
 * (includeSystem) cut into the parts that describe tasks take, at most `cpus` (list.ts).
 */
export interface EnumerateTask {
  op: 'enumerate';
  computer: string | null;
  includeSystem: boolean;
  cpus: number;
}

/** Opens the server (when remote), describes these sessions (both rounds of queries), closes it. */
export interface DescribeTask {
  op: 'describe';
  computer: string | null;
  computerName: string;
  /** The enumerated rows, as JSON text (one string crosses threads as one copy; rows as objects cost the main thread more than the rest of a listing). */
  sessions: string;
}

export type Task = OwnSessionJob | ProcessesJob | EnumerateTask | DescribeTask | ActionJob | MessageJob;

/** The enumerated sessions to show, as the JSON text of each describe task's rows (list.ts). */
export interface Enumerated {
  parts: string[];
}

/** One session's action: its failure (null: done), and the session afterwards (null: gone). */
export interface ActionRow {
  id: number;
  failure: Win32Failure | null;
  session: UserSession | null;
  /** Not acted on: the action works only on the caller's own session, which is this one. */
  ownSession?: number;
}

/** What each task answers when it succeeds. */
export interface TaskValues {
  enumerate: Enumerated;
  /** As JSON text (listed-session.ts), which crosses threads as one string. */
  describe: SessionsText;
  logoff: ActionRow[];
  disconnect: ActionRow[];
  message: MessageRow;
  ownSession: number;
  lock: ActionRow[];
  processes: ProcessRow[];
}

/** An answer: the value, a Win32 failure of the whole task or job, or any other error's message. */
export type Outcome<V> = { ok: true; value: V } | { ok: false; win32: Win32Failure } | { ok: false; message: string };

/** A task's answer. */
export type TaskReply<T extends Task = Task> = Outcome<TaskValues[T['op']]>;

/** A job's answer, as index.ts reads it. */
export type Reply = Outcome<ProcessRow[] | UserSession[] | ActionRow[] | MessageRow | number>;

/** What a worker posts: once `ready` (its libraries loaded, or failed to), then one reply per task. */
export type WorkerMessage = { ready: true } | { reply: TaskReply };
