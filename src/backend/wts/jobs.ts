/**
 * What the main thread asks a WTS worker, and what it answers. One job at a time per worker; every
 * value crosses threads by structured clone.
 */
import type { UserSession } from '../../protocol/session.ts';
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

export type ActionKind = 'logoff' | 'disconnect';

export interface ActionJob extends ComputerJob {
  op: ActionKind;
  ids: number[];
  wait: boolean;
}

export type Job = ListJob | ActionJob;

/** One session's action: its failure (null: done), and the session afterwards (null: gone). */
export interface ActionRow {
  id: number;
  failure: Win32Failure | null;
  session: UserSession | null;
}

export type JobValue<J extends Job> = J extends ListJob ? UserSession[] : ActionRow[];

/** A job's answer: its value, a Win32 failure of the whole job, or any other error's message. */
export type Reply = { ok: true; value: UserSession[] | ActionRow[] } | { ok: false; win32: Win32Failure } | { ok: false; message: string };
