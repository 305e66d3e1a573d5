import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGOFF_TIMING, createLinuxBackend } from '../../src/backend/linux/index.ts';
import type { Backend, SessionOutcome } from '../../src/backend/backend.ts';
import type { LogoffTiming } from '../../src/backend/linux/escalation.ts';
import type { SessionTarget } from '../../src/protocol/session.ts';
import {
  buildUtmpWriter,
  bundleScript,
  isGone,
  makeTempDir,
  removeDir,
  startLeader,
  stopAll,
  QUICK_TIMING,
  waitFor,
  writeUtmp,
  type LeaderKind,
  type RecordSpec,
} from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));

const HOST = hostname();

/** The backend's handlers of sessions.logoff and sessions.disconnect, as the helper calls them. */
const logoff = async (b: Backend, Targets: SessionTarget[], Wait: boolean): Promise<SessionOutcome[]> => (await b.actions['sessions.logoff']({ Targets, Wait })).Outcomes;
const disconnect = async (b: Backend, Targets: SessionTarget[], Wait: boolean): Promise<SessionOutcome[]> => (await b.actions['sessions.disconnect']({ Targets, Wait })).Outcomes;
/** Slack for scheduling on a loaded two-core machine. */
const SLACK_MS = 1_500;
/**
 * "At once" for a logoff not waited for: one pass over /proc (identity.ts), which the other test
 * files fill with a thousand processes at the same time, and SIGHUP; far below LOGOFF_TIMING.hupToTermMs.
 */
const AT_ONCE_MS = 500;

describe('LinuxBackend.logoff and disconnect, on real processes', () => {
  let dir: string;
  let writer: string;
  let fileNo = 0;

  beforeAll(() => {
    dir = makeTempDir('st-logoff-');
    writer = buildUtmpWriter(dir);
  });
  afterEach(() => stopAll());
  afterAll(() => {
    stopAll();
    removeDir(dir);
  });

  /**
   * Starts leaders of the given kinds and a utmp file naming them; returns the backend (with the
   * default LOGOFF_TIMING unless `logoffTiming` is given) and the pids.
   */
  async function sessions(kinds: LeaderKind[], loginOffsetMs = 0, logoffTiming?: LogoffTiming): Promise<{ backend: Backend; pids: number[]; utmp: string }> {
    const pids = await Promise.all(kinds.map((k) => startLeader(k)));
    const loginMs = Date.now() + loginOffsetMs;
    const utmp = join(dir, `utmp-${++fileNo}`);
    // Lines naming no terminal under /dev: a real pts/0 (a terminal open on this machine) would give
    // an Idle that grows between two listings.
    const records: RecordSpec[] = pids.map((pid, i) => ({ pid, line: `pts/${9800 + i}`, user: `user${i}`, loginMs }));
    writeUtmp(writer, utmp, records);
    return { backend: createLinuxBackend({ utmpPath: utmp, ...(logoffTiming ? { logoffTiming } : {}) }), pids, utmp };
  }

  async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
    const t0 = performance.now();
    const r = await f();
    return [r, performance.now() - t0];
  }

  it('wait=true: SIGHUP ends a plain leader at once', async () => {
    const { backend, pids } = await sessions(['plain']);
    const [outcomes, ms] = await timed(() => logoff(backend, [{ SessionId: pids[0]! }], true));
    expect(outcomes).toEqual([{ Target: { SessionId: pids[0] }, Item: null, Error: null }]);
    expect(isGone(pids[0]!)).toBe(true);
    expect(ms).toBeLessThan(LOGOFF_TIMING.hupToTermMs);
  });

  it('wait=true, the default timing: SIGTERM 2 s after an ignored SIGHUP (not before), SIGKILL 3 s after an ignored SIGTERM', async () => {
    const { backend, pids } = await sessions(['ignoresHup', 'ignoresHupAndTerm']);
    const targets = pids.map((SessionId) => ({ SessionId }));
    const started = performance.now();
    const done = logoff(backend, targets, true);
    expect(await waitFor(() => isGone(pids[0]!), LOGOFF_TIMING.hupToTermMs + SLACK_MS, 5)).toBe(true);
    const termMs = performance.now() - started;
    expect(isGone(pids[1]!)).toBe(false);
    expect(await done).toEqual(targets.map((Target) => ({ Target, Item: null, Error: null })));
    const killMs = performance.now() - started;
    expect(isGone(pids[1]!)).toBe(true);
    expect([LOGOFF_TIMING.hupToTermMs, LOGOFF_TIMING.termToKillMs]).toEqual([2_000, 3_000]);
    expect(termMs).toBeGreaterThanOrEqual(LOGOFF_TIMING.hupToTermMs - 5);
    expect(termMs).toBeLessThan(LOGOFF_TIMING.hupToTermMs + SLACK_MS);
    const both = LOGOFF_TIMING.hupToTermMs + LOGOFF_TIMING.termToKillMs;
    expect(killMs).toBeGreaterThanOrEqual(both - 5);
    expect(killMs).toBeLessThan(both + SLACK_MS);
  });

  it('wait=true: escalates to SIGTERM when SIGHUP is ignored, after the backend\'s hupToTermMs', async () => {
    const { backend, pids } = await sessions(['ignoresHup'], 0, QUICK_TIMING);
    const [outcomes, ms] = await timed(() => logoff(backend, [{ ComputerName: 'localhost', SessionId: pids[0]! }], true));
    expect(outcomes).toEqual([{ Target: { ComputerName: 'localhost', SessionId: pids[0] }, Item: null, Error: null }]);
    expect(isGone(pids[0]!)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(QUICK_TIMING.hupToTermMs - 5);
    expect(ms).toBeLessThan(QUICK_TIMING.hupToTermMs + SLACK_MS);
  });

  it('wait=true: escalates to SIGKILL when SIGHUP and SIGTERM are ignored, after the backend\'s termToKillMs more', async () => {
    const { backend, pids } = await sessions(['ignoresHupAndTerm'], 0, QUICK_TIMING);
    const [outcomes, ms] = await timed(() => logoff(backend, [{ SessionId: pids[0]! }], true));
    expect(outcomes).toEqual([{ Target: { SessionId: pids[0] }, Item: null, Error: null }]);
    expect(isGone(pids[0]!)).toBe(true);
    const both = QUICK_TIMING.hupToTermMs + QUICK_TIMING.termToKillMs;
    expect(ms).toBeGreaterThanOrEqual(both - 5);
    expect(ms).toBeLessThan(both + SLACK_MS);
  });

  it('wait=false: returns at once with the session as listed; the leader ends shortly after', async () => {
    const { backend, pids } = await sessions(['plain']);
    const [listed] = await backend.list(null, { includeSystem: false, signal: new AbortController().signal });
    const [outcomes, ms] = await timed(() => logoff(backend, [{ SessionId: pids[0]! }], false));
    expect(ms).toBeLessThan(AT_ONCE_MS);
    expect(outcomes).toEqual([{ Target: { SessionId: pids[0] }, Item: listed, Error: null }]);
    expect(listed?.SessionId).toBe(pids[0]);
    expect(await waitFor(() => isGone(pids[0]!), 1_000)).toBe(true);
  });

  it('wait=false: the escalation goes on in the background, and close() lets it finish', async () => {
    const { backend, pids } = await sessions(['ignoresHupAndTerm'], 0, QUICK_TIMING);
    const [outcomes, ms] = await timed(() => logoff(backend, [{ SessionId: pids[0]! }], false));
    expect(ms).toBeLessThan(AT_ONCE_MS);
    expect(outcomes[0]?.Error).toBeNull();
    expect(outcomes[0]?.Item?.SessionId).toBe(pids[0]);
    await new Promise((r) => setTimeout(r, QUICK_TIMING.hupToTermMs / 2));
    expect(isGone(pids[0]!)).toBe(false); // HUP ignored, TERM not due yet
    const [, closeMs] = await timed(() => backend.close!());
    expect(isGone(pids[0]!)).toBe(true); // killed by the background SIGKILL
    const rest = QUICK_TIMING.hupToTermMs / 2 + QUICK_TIMING.termToKillMs;
    // close() waited for the background SIGKILL (less what the wait above overslept on a loaded machine).
    expect(closeMs).toBeGreaterThan(rest - QUICK_TIMING.termToKillMs / 2);
    expect(closeMs).toBeLessThan(rest + SLACK_MS);
  });

  it('a missing id gives SessionNotFound, and the other targets are still logged off, in order', async () => {
    const { backend, pids } = await sessions(['plain', 'plain']);
    const missing = 0x7ffffff0;
    const targets = [{ SessionId: pids[0]! }, { SessionId: missing }, { ComputerName: HOST.toUpperCase(), SessionId: pids[1]! }];
    const outcomes = await logoff(backend, targets, true);
    expect(outcomes).toEqual([
      { Target: targets[0], Item: null, Error: null },
      {
        Target: targets[1],
        Item: null,
        Error: {
          ErrorId: 'SessionNotFound',
          Message: `No session with id ${missing} on ${HOST}.`,
          Target: missing,
          ComputerName: HOST,
        },
      },
      { Target: targets[2], Item: null, Error: null },
    ]);
    expect(isGone(pids[0]!)).toBe(true);
    expect(isGone(pids[1]!)).toBe(true);
  });

  it('pid reuse guard: a leader that started after the recorded login is not the session', async () => {
    const { backend, pids } = await sessions(['plain'], -3_600_000);
    expect(await backend.list(null, { includeSystem: false, signal: new AbortController().signal })).toEqual([]);
    const outcomes = await logoff(backend, [{ SessionId: pids[0]! }], true);
    expect(outcomes[0]?.Error?.ErrorId).toBe('SessionNotFound');
    await new Promise((r) => setTimeout(r, 200));
    expect(isGone(pids[0]!)).toBe(false);
  });

  it('disconnect: NotSupportedOnPlatform for each target; nothing is touched', async () => {
    const { backend, pids } = await sessions(['plain']);
    const targets = [{ SessionId: pids[0]! }, { ComputerName: '.', SessionId: 12345 }];
    const outcomes = await disconnect(backend, targets, true);
    const message =
      'Disconnect has no meaning on Linux: a terminal session cannot be detached and resumed. ' +
      'Use Stop-UserSession to log it off.';
    expect(outcomes).toEqual([
      {
        Target: targets[0],
        Item: null,
        Error: { ErrorId: 'NotSupportedOnPlatform', Message: message, Target: pids[0], ComputerName: HOST },
      },
      {
        Target: targets[1],
        Item: null,
        Error: { ErrorId: 'NotSupportedOnPlatform', Message: message, Target: 12345, ComputerName: HOST },
      },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(isGone(pids[0]!)).toBe(false);
  });

  it('a remote ComputerName gives NotSupportedOnPlatform; local aliases act locally', async () => {
    const { backend, pids } = await sessions(['plain', 'plain', 'plain', 'plain']);
    const remote = { ComputerName: 'server01.example.com', SessionId: pids[0]! };
    const [outcome] = await logoff(backend, [remote], true);
    expect(outcome?.Error).toMatchObject({
      ErrorId: 'NotSupportedOnPlatform',
      Target: pids[0],
      ComputerName: 'server01.example.com',
    });
    expect(outcome?.Error?.Message).toMatch(/server01\.example\.com.*Windows backend/);
    await new Promise((r) => setTimeout(r, 200));
    expect(isGone(pids[0]!)).toBe(false);

    const aliases = ['', '127.0.0.1', '::1', null];
    const local = await logoff(backend, aliases.map((ComputerName, i) => ({ ComputerName, SessionId: pids[i]! })), true);
    expect(local.map((o) => o.Error)).toEqual([null, null, null, null]);
    expect(pids.every(isGone)).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)('EPERM: AccessDenied when the caller may not signal the leader', async () => {
    const { pids, utmp } = await sessions(['plain']);
    chmodSync(dir, 0o755);
    chmodSync(utmp, 0o644);
    // The checkout may be where nobody else can read (a clone in root's 0700 home): the logoff
    // runs from a bundle in a directory of its own that any user can read.
    const script = bundleScript(join(here, 'fixtures', 'logoff-as-caller.ts'), dir);
    const out = execFileSync(process.execPath, [script, utmp, String(pids[0])], {
      uid: 65534,
      gid: 65534,
      cwd: dirname(script),
      env: { ...process.env, HOME: '/tmp' },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([
      {
        Target: { SessionId: pids[0] },
        Item: null,
        Error: {
          ErrorId: 'AccessDenied',
          Message:
            `Permission denied to log off session ${pids[0]} (user0 on pts/9800): its processes belong to another user, ` +
            'and only root (a process with CAP_KILL) may signal them. Run as root (sudo), or as user0.',
          Target: pids[0],
          ComputerName: HOST,
        },
      },
    ]);
    expect(isGone(pids[0]!)).toBe(false);
  });

  it('ends 1,000 sessions at once, well within a second or two', async () => {
    const kinds = new Array<LeaderKind>(1_000).fill('plain');
    const { backend, pids } = await sessions(kinds);
    expect((await backend.list(null, { includeSystem: false, signal: new AbortController().signal })).length).toBe(1_000);
    const [outcomes, ms] = await timed(() => logoff(backend, pids.map((SessionId) => ({ SessionId })), true));
    expect(outcomes.map((o) => o.Target.SessionId)).toEqual(pids);
    expect(outcomes.every((o) => o.Error === null && o.Item === null)).toBe(true);
    expect(pids.every(isGone)).toBe(true);
    expect(ms).toBeLessThan(2_000);
  });
});
