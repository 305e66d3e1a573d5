/**
 * A process of a user session, as Get-UserSessionProcess writes it: what Task Manager's Users tab
 * shows under a user before "Sign out". Read by codegen/ like session.ts (one .NET class).
 */
import type { IsoDateTime } from './session.ts';

/** A count of bytes; PowerShell sees an [long] (Int64). */
export type Bytes = number;

/** One process of one session. */
export interface SessionProcess {
  /** The computer the process runs on, as the caller named it (the local host name when local). */
  ComputerName: string;
  /** The session the process belongs to (the SessionId of Get-UserSession). */
  SessionId: number;
  /** The user the process runs as; null when it is not known. */
  UserName: string | null;
  /** The process id. */
  Id: number;
  /** The program's name (Windows: the executable file, notepad.exe; Linux: the command name, as ps shows it). */
  Name: string;
  /** When the process started; null when it is not known (always on Windows: WTSEnumerateProcessesExW does not give it). */
  StartTime: IsoDateTime | null;
  /** The process's working set (resident memory), in bytes. */
  WorkingSet: Bytes;
}
