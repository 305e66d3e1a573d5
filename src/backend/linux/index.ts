/**
 * The Linux backend: a session is the kernel session a live USER_PROCESS record of utmp stands for
 * (identity.ts, docs/linux-sessions.md); logoff signals that session's processes; disconnect does
 * not exist on Linux.
 */
import { existsSync } from 'node:fs';
import { ComputerError, type ActionHandlers, type Backend, type ListOptions, type SessionOutcome } from '../backend.ts';
import { isLocalComputer } from '../local-computer.ts';
import type { SessionTarget, UserSession } from '../../protocol/session.ts';
import { LOGOFF_TIMING, type EndResult, type LogoffTiming } from './escalation.ts';
import { currentSessionOf } from './current.ts';
import { logoffSessions } from './logoff.ts';
import { sendMessages } from './message.ts';
import { listSessionProcesses } from './processes.ts';
import { readSessions, type SessionSource } from './sessions.ts';
import { disconnectNotSupported, lockNotSupported, remoteNotSupported } from './target-errors.ts';

export interface LinuxBackendOptions {
  /** The utmp file; default $SESSIONTOOLS_UTMP_PATH, else /run/utmp, else /var/run/utmp. */
  utmpPath?: string;
  /** Where ut_line's terminals are, for Idle; default /dev. For tests. */
  devDir?: string;
  /** The grace periods of a logoff's SIGHUP, SIGTERM, SIGKILL; default LOGOFF_TIMING (2 s, 3 s, 2 s). Shorter for tests. */
  logoffTiming?: LogoffTiming;
}

/** The utmp path when none is given: the environment override, else glibc's _PATH_UTMP locations. */
export function defaultUtmpPath(): string {
  const fromEnv = process.env.SESSIONTOOLS_UTMP_PATH;
  if (fromEnv) return fromEnv;
  return existsSync('/run/utmp') ? '/run/utmp' : '/var/run/utmp';
}

class LinuxBackend implements Backend {
  readonly name = 'linux-utmp';
  private readonly source: SessionSource;
  private readonly timing: LogoffTiming;
  /** Logoffs still escalating in the background (wait=false). */
  private readonly background = new Set<Promise<EndResult>>();

  constructor(opts: LinuxBackendOptions) {
    this.source = { utmpPath: opts.utmpPath ?? defaultUtmpPath(), devDir: opts.devDir ?? '/dev' };
    this.timing = opts.logoffTiming ?? LOGOFF_TIMING;
  }

  /** Only this computer: remote Linux hosts are not reached (no agent there). No system sessions exist. */
  async list(computer: string | null, _opts?: ListOptions): Promise<UserSession[]> {
    if (!isLocalComputer(computer)) {
      throw new ComputerError(
        'NotSupportedOnPlatform',
        `Cannot list the sessions of '${computer}': the Linux backend manages only the local computer. Remote computers need the Windows backend.`,
      );
    }
    return (await readSessions(this.source)).map((s) => s.session);
  }

  readonly actions: ActionHandlers = {
    'sessions.logoff': async (p) => ({ Outcomes: await this.logoff(p.Targets, p.Wait) }),
    'sessions.disconnect': async (p) => ({ Outcomes: this.disconnect(p.Targets) }),
    'sessions.message': async (p) => ({ Outcomes: await sendMessages(this.source, p.Targets, p) }),
    'sessions.lock': async (p) => ({
      Outcomes: p.Targets.map((target) => ({ Target: target, Item: null, Error: isLocalComputer(target.ComputerName) ? lockNotSupported(target) : remoteNotSupported(target) })),
    }),
  };

  processes: Backend['processes'] = (p) => listSessionProcesses(this.source, p.Targets);

  private async logoff(targets: SessionTarget[], wait: boolean): Promise<SessionOutcome[]> {
    const track = (done: Promise<EndResult>): void => {
      this.background.add(done);
      void done.then(() => this.background.delete(done));
    };
    return logoffSessions(this.source, targets, wait, track, this.timing);
  }

  private disconnect(targets: SessionTarget[]): SessionOutcome[] {
    return targets.map((target) => ({
      Target: target,
      Item: null,
      Error: isLocalComputer(target.ComputerName) ? disconnectNotSupported(target) : remoteNotSupported(target),
    }));
  }

  async currentSession(): Promise<(s: UserSession) => boolean> {
    return currentSessionOf(this.source.devDir);
  }

  /**
   * Lets background logoffs finish (each is bounded by its timing, about 7 s at most by default): their
   * timers are unref'd, so this holds the event loop open meanwhile.
   */
  async close(): Promise<void> {
    if (this.background.size === 0) return;
    const hold = setInterval(() => {}, 1_000);
    try {
      await Promise.all([...this.background]);
    } finally {
      clearInterval(hold);
    }
  }
}

export function createLinuxBackend(opts: LinuxBackendOptions = {}): Backend {
  return new LinuxBackend(opts);
}

export { LOGOFF_TIMING, parseLogoffTiming, type LogoffTiming } from './escalation.ts';
