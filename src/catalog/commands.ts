/**
 * The command catalog: every cmdlet of the module, declared once. Each names its RPC method (src/
 * protocol/methods.ts), whose fields are its parameters; here is only what is PowerShell's own
 * (schema.ts). codegen/ reads this file and emits module/SessionTools.psm1 (functions and their
 * help), .psd1 (exports), and the compiled client's command table. Help comes from the JSDoc: the
 * first paragraph is the synopsis, the rest the description; each @example is one example (first
 * line the code, the rest its explanation).
 */
import { DisconnectSessions, ListSessionProcesses, ListSessions, LockSessions, LogoffSessions, SendMessage } from '../protocol/methods.ts';
import { command } from './schema.ts';

/**
 * Lists the user sessions on this computer.
 *
 * Get-UserSession reads the sessions from the operating system, not from the text of quser or who,
 * so it does not depend on the display language. Each session is a SessionTools.UserSession
 * object: pipe it to Stop-UserSession or Disconnect-UserSession, or filter it with Where-Object.
 * Idle is a SessionTools.Duration: it compares with strings such as 90s, 30m, 2h, 1h30m and 1d,
 * and with [TimeSpan].
 *
 * A user name or id without wildcards that matches no session writes an ObjectNotFound error;
 * a wildcard that matches nothing writes nothing.
 *
 * With -ComputerName (Windows), many computers are asked at once (-ThrottleLimit at a time), each
 * within -TimeoutSec: a computer that is down or refuses gives one error for that computer and
 * does not delay the others beyond its timeout.
 *
 * @example Get-UserSession
 * Lists every session on this computer.
 * @example Get-UserSession -UserName adm*
 * Lists the sessions of users whose name starts with adm.
 * @example Get-Content servers.txt | Get-UserSession -State Disconnected -TimeoutSec 5
 * Lists the disconnected sessions of every server in the file, 32 servers at a time, giving each
 * 5 seconds.
 * @example Get-UserSession | Where Idle -gt 30m | Stop-UserSession
 * Logs off every session idle for more than 30 minutes, asking for confirmation first.
 * @example Get-UserSession | Where Idle -gt 2h | Stop-UserSession -Force -ErrorAction Stop
 * The same without asking, as an Intune remediation or a logon script needs it: pass -Force and
 * -ErrorAction as parameters, because preference variables set in a script do not reach module
 * functions.
 */
export const GetUserSession = command({
  verb: 'Get',
  noun: 'UserSession',
  method: ListSessions,
  defaultSet: 'Default',
  parameters: {
    UserName: { position: 0, aliases: ['User'] },
    Id: { aliases: ['SessionId'] },
    State: {},
    ComputerName: { pipeline: 'both', aliases: ['CN', 'Server'] },
  },
});

/**
 * Logs off user sessions.
 *
 * Stop-UserSession ends each session it is given: its programs are closed and unsaved work is
 * lost, so it asks for confirmation unless -Force or -Confirm:$false is passed. Sessions come from
 * the pipeline (objects from Get-UserSession, also after Import-Clixml or a job, or any object
 * with a SessionId property, such as rows of a CSV report) or from -Id. An object whose only match is
 * an Id property (a process, a service) is refused with a NotASession error. Piped sessions are sent to the helper in one batch. A session that no longer exists
 * gives an ObjectNotFound error; the other sessions are still logged off.
 *
 * On Linux every process of the session (its kernel session) gets SIGHUP, then SIGTERM, then
 * SIGKILL after bounded waits; other sessions of the same user, and tmux or screen panes of other
 * terminals, are left running.
 *
 * @example Get-UserSession -UserName jdoe | Stop-UserSession
 * Logs off jdoe's sessions after confirmation.
 * @example Get-UserSession | Where Idle -gt 30m | Stop-UserSession -Force -Wait -ErrorAction Stop
 * Logs off every session idle for more than 30 minutes without asking, and returns once they are
 * gone. This is the form for unattended scripts.
 * @example Stop-UserSession -Id 4711 -WhatIf
 * Shows what would be logged off, and does nothing.
 * @example Get-UserSession -State Active | Where Idle -gt 2h | Stop-UserSession -Notify 'You will be logged off in 5 minutes. Please save your work.' -GracePeriod 5m -Force
 * Warns the users of the sessions idle for more than two hours, waits five minutes, then logs off
 * those still there.
 */
export const StopUserSession = command({
  verb: 'Stop',
  noun: 'UserSession',
  method: LogoffSessions,
  action: 'Log off',
  confirmImpact: 'High',
  defaultSet: 'InputObject',
  parameters: {
    /** The sessions to log off, as Get-UserSession writes them. */
    InputObject: { role: 'inputObject', mandatory: true, pipeline: 'value', sets: ['InputObject'] },
    /** The ids of the sessions to log off. */
    Id: { role: 'targetId', mandatory: true, position: 0, pipeline: 'propertyName', aliases: ['SessionId'], sets: ['Id'] },
    /** The computer the -Id sessions are on; default: this computer. */
    ComputerName: { role: 'targetComputer', pipeline: 'propertyName', aliases: ['CN', 'Server'], sets: ['Id'] },
    Wait: {},
    /**
     * Before logging off, show this text to the users of the sessions (as Send-UserSessionMessage
     * does), then wait -GracePeriod; the sessions that ended meanwhile are reported in a warning,
     * not as errors. Ctrl+C during the wait logs off no one; -WhatIf sends nothing.
     */
    Notify: { role: 'notify' },
    /** How long to wait between -Notify and the logoff: 30s, 5m, 1h30m. Default: 1m. */
    GracePeriod: { role: 'gracePeriod' },
    /** Write each session that was logged off to the pipeline, as it is then: its State is LoggedOff. */
    PassThru: { role: 'passThru' },
    /** Do not ask for confirmation (-WhatIf still only shows what would happen). */
    Force: { role: 'force' },
  },
});

/**
 * Disconnects user sessions, keeping them alive.
 *
 * A disconnected Windows session keeps running and the user can reconnect to it. Linux terminal
 * sessions cannot be disconnected: each gets a NotImplemented error and is left untouched.
 *
 * @example Get-UserSession -UserName jdoe | Disconnect-UserSession
 * Disconnects jdoe's sessions after confirmation.
 * @example Get-UserSession -State Active | Where Idle -gt 1h | Disconnect-UserSession -Force
 * Disconnects every active session idle for more than an hour, without asking. Their programs keep
 * running, and each user can reconnect to the same session.
 * @example Disconnect-UserSession -Id 3 -ComputerName rds01 -Wait -PassThru
 * Disconnects session 3 on rds01 after confirmation, returns once it is disconnected, and writes
 * the session as it is then.
 */
export const DisconnectUserSession = command({
  verb: 'Disconnect',
  noun: 'UserSession',
  method: DisconnectSessions,
  action: 'Disconnect',
  confirmImpact: 'Medium',
  defaultSet: 'InputObject',
  parameters: {
    /** The sessions to disconnect, as Get-UserSession writes them. */
    InputObject: { role: 'inputObject', mandatory: true, pipeline: 'value', sets: ['InputObject'] },
    /** The ids of the sessions to disconnect. */
    Id: { role: 'targetId', mandatory: true, position: 0, pipeline: 'propertyName', aliases: ['SessionId'], sets: ['Id'] },
    /** The computer the -Id sessions are on; default: this computer. */
    ComputerName: { role: 'targetComputer', pipeline: 'propertyName', aliases: ['CN', 'Server'], sets: ['Id'] },
    Wait: {},
    /** Write each session after the action to the pipeline: its State is Disconnected. */
    PassThru: { role: 'passThru' },
    /** Do not ask for confirmation (-WhatIf still only shows what would happen). */
    Force: { role: 'force' },
  },
});

/**
 * Locks the session PowerShell runs in, where the system can.
 *
 * Windows locks only the caller's own session (LockWorkStation, on this computer): the user's
 * programs keep running and the user unlocks with a password. Any other session, on this computer
 * or another, gets a NotSupportedOnPlatform error that names what to use instead
 * (Disconnect-UserSession keeps the session and its programs, and asks for the password on
 * reconnecting). Linux terminal sessions have no lock: each gets the same error, naming
 * loginctl lock-session for graphical logind sessions.
 *
 * @example Get-UserSession -Current | Lock-UserSession
 * Locks this PowerShell's own Windows session, as Windows+L does.
 * @example Lock-UserSession -Id 3 -PassThru
 * Locks session 3 when it is this PowerShell's own session, and writes it as it is then.
 */
export const LockUserSession = command({
  verb: 'Lock',
  noun: 'UserSession',
  method: LockSessions,
  action: 'Lock',
  confirmImpact: 'Medium',
  defaultSet: 'InputObject',
  parameters: {
    /** The sessions to lock, as Get-UserSession writes them. */
    InputObject: { role: 'inputObject', mandatory: true, pipeline: 'value', sets: ['InputObject'] },
    /** The ids of the sessions to lock. */
    Id: { role: 'targetId', mandatory: true, position: 0, pipeline: 'propertyName', aliases: ['SessionId'], sets: ['Id'] },
    /** The computer the -Id sessions are on; default: this computer. */
    ComputerName: { role: 'targetComputer', pipeline: 'propertyName', aliases: ['CN', 'Server'], sets: ['Id'] },
    /** Write each session that was locked to the pipeline. */
    PassThru: { role: 'passThru' },
    /** Do not ask for confirmation (-WhatIf still only shows what would happen). */
    Force: { role: 'force' },
  },
});

/**
 * Lists the processes of user sessions: what would be lost if they were logged off.
 *
 * Get-UserSessionProcess writes one object per process of each session it is given, as Task
 * Manager's Users tab shows them under a user before "Sign out": the program's name, the process
 * id, the user it runs as, when it started and its working set. Sessions come from the pipeline
 * (objects from Get-UserSession) or from -Id and -ComputerName. A session that does not exist
 * gives an ObjectNotFound error.
 *
 * Windows lists them with WTSEnumerateProcessesEx, on other computers too; it gives no start time,
 * so StartTime is empty there. On Linux a session's processes are those of the kernel session it
 * stands for, read from /proc: the very processes Stop-UserSession would end.
 *
 * @example Get-UserSession -UserName jdoe | Get-UserSessionProcess
 * Lists the processes of jdoe's sessions.
 * @example Get-UserSession -State Disconnected | Get-UserSessionProcess | Where-Object Name -EQ 'WINWORD.EXE'
 * Shows which disconnected sessions still have Word open, before anyone logs them off.
 */
export const GetUserSessionProcess = command({
  verb: 'Get',
  noun: 'UserSessionProcess',
  method: ListSessionProcesses,
  defaultSet: 'InputObject',
  parameters: {
    /** The sessions whose processes to list, as Get-UserSession writes them. */
    InputObject: { role: 'inputObject', mandatory: true, pipeline: 'value', sets: ['InputObject'] },
    /** The ids of the sessions whose processes to list. */
    Id: { role: 'targetId', mandatory: true, position: 0, pipeline: 'propertyName', aliases: ['SessionId'], sets: ['Id'] },
    /** The computer the -Id sessions are on; default: this computer. */
    ComputerName: { role: 'targetComputer', pipeline: 'propertyName', aliases: ['CN', 'Server'], sets: ['Id'] },
  },
});

/**
 * Shows a message to the users of sessions, and writes each one's answer.
 *
 * Send-UserSessionMessage writes one SessionTools.SessionMessage per session: its ComputerName,
 * SessionId, UserName and Answer. On Windows the message is a message box on the session's
 * desktop (WTSSendMessageW): with -Wait the answer is the button the user chose (Ok, Cancel, Yes,
 * No, ...) or Timeout when nobody answered within -TimeoutSec; without -Wait it is Async and the
 * box stays up to -TimeoutSec. Sending to another user's session needs the Remote Desktop Services
 * Message permission (administrators have it).
 *
 * On Linux the text is written to the session's terminal, as write(1) does, after a banner that
 * names the sender; the answer is always Async, and -Buttons other than OK is an InvalidArgument
 * error for each session, since a terminal has no buttons. Only root writes to a terminal that is
 * not the caller's own.
 *
 * @example Get-UserSession | Send-UserSessionMessage 'The server restarts at 18:00. Please save your work.'
 * Tells every user of this computer that the server restarts, without waiting for answers.
 * @example Get-UserSession -UserName jdoe | Send-UserSessionMessage -Title Maintenance -Text 'May I log you off now?' -Buttons YesNo -Wait -TimeoutSec 120
 * Asks jdoe and writes the answer of each of jdoe's sessions: Yes, No, or Timeout after two minutes.
 * @example Send-UserSessionMessage -Id 3 -ComputerName rds01 -Text 'Your session ends in 5 minutes.'
 * Shows the message in session 3 of rds01.
 */
export const SendUserSessionMessage = command({
  verb: 'Send',
  noun: 'UserSessionMessage',
  method: SendMessage,
  action: 'Send a message',
  confirmImpact: 'Low',
  defaultSet: 'InputObject',
  parameters: {
    Text: { position: 0 },
    /** The sessions to send the message to, as Get-UserSession writes them. */
    InputObject: { role: 'inputObject', mandatory: true, pipeline: 'value', sets: ['InputObject'] },
    /** The ids of the sessions to send the message to. */
    Id: { role: 'targetId', mandatory: true, pipeline: 'propertyName', aliases: ['SessionId'], sets: ['Id'] },
    /** The computer the -Id sessions are on; default: this computer. */
    ComputerName: { role: 'targetComputer', pipeline: 'propertyName', aliases: ['CN', 'Server'], sets: ['Id'] },
    Title: {},
    Buttons: {},
    TimeoutSec: {},
    Wait: {},
    /** Do not ask for confirmation (-WhatIf still only shows what would happen). */
    Force: { role: 'force' },
  },
});
