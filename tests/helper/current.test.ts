/**
 * IsCurrent and Current on Linux, through the real helper: the session PowerShell runs in is the
 * helper's parent's. Here that parent is a python3 process in a session of its own: without a
 * terminal (its session is found by its id, the leader's pid), or leading a session on a
 * pseudo-terminal (found by its line's device). The other sessions are real leaders too.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from '../linux-backend/support.ts';
import { HelperProcess, stopAllHelpers } from './support.ts';

// python3 (its pty module) stands up the parent process these tests need. Skipped only on a
// machine without it; under CI=true (.ci/run installs python3) the tests run and fail instead.
const python = spawnSync('python3', ['-c', 'import pty']).status === 0 || process.env.CI === 'true';

/** python3 in a session of its own (no terminal), running the helper as its child. */
const OWN_SESSION = ['python3', '-c', 'import os, subprocess, sys; os.setsid(); sys.exit(subprocess.call(sys.argv[1:]))'];

/**
 * python3 leading a session on a new pseudo-terminal (pty.fork), running the helper as its child
 * on the caller's pipes; it first writes "<its pid> <its terminal>" to stderr. The parent keeps the
 * terminal open until the session ends.
 */
const TERMINAL_SESSION = [
  'python3',
  '-c',
  [
    'import os, pty, subprocess, sys',
    'i, o, e = os.dup(0), os.dup(1), os.dup(2)',
    'pid, fd = pty.fork()',
    'if pid == 0:',
    '    os.write(e, ("%d %s\\n" % (os.getpid(), os.ttyname(0))).encode())',
    '    sys.exit(subprocess.call(sys.argv[1:], stdin=i, stdout=o, stderr=e))',
    'os.waitpid(pid, 0)',
  ].join('\n'),
];

let dir: string;
let writer: string;
let fileNo = 0;

beforeAll(() => {
  dir = makeTempDir('st-current-');
  writer = buildUtmpWriter(dir);
});
afterEach(async () => {
  await stopAllHelpers();
  stopAll();
});
afterAll(() => removeDir(dir));

/** Starts the helper through `wrapper` on a utmp file the records are written to once `records(...)` says. */
function helperOn(wrapper: string[]): { helper: HelperProcess; utmp: string } {
  const utmp = join(dir, `utmp-${++fileNo}`);
  return { helper: HelperProcess.start({ wrapper, env: { SESSIONTOOLS_UTMP_PATH: utmp } }), utmp };
}

interface Listed {
  SessionId: number;
  UserName: string;
  IsCurrent?: boolean;
}

async function list(helper: HelperProcess, params: Record<string, unknown>, id: string): Promise<Listed[]> {
  const answer = await helper.request('sessions.list', params, id, 10_000);
  expect(answer.error).toBeUndefined();
  return ((answer.result as { Items: Listed[] }).Items ?? []).map(({ SessionId, UserName, IsCurrent }) => ({ SessionId, UserName, IsCurrent }));
}

describe.skipIf(!python)('IsCurrent: the session the helper\'s parent runs in', () => {
  it('without a terminal: the session whose Id is the parent\'s session id; Current lists only it', async () => {
    const { helper, utmp } = helperOn(OWN_SESSION);
    const other = await startLeader();
    // The parent leads its session (setsid), so its pid is that session's id.
    writeUtmp(writer, utmp, [
      { pid: other, line: 'pts/9861', user: 'elsewhere', loginMs: Date.now() },
      { pid: helper.pid, line: 'pts/9862', user: 'here', loginMs: Date.now() },
    ]);
    expect(await list(helper, {}, 'all')).toEqual([
      { SessionId: other, UserName: 'elsewhere', IsCurrent: false },
      { SessionId: helper.pid, UserName: 'here', IsCurrent: true },
    ]);
    expect(await list(helper, { Current: true }, 'current')).toEqual([{ SessionId: helper.pid, UserName: 'here', IsCurrent: true }]);
  });

  it('an action reports IsCurrent on the session it answers with (sessions.logoff without waiting)', async () => {
    const { helper, utmp } = helperOn(OWN_SESSION);
    const other = await startLeader();
    writeUtmp(writer, utmp, [
      { pid: other, line: 'pts/9866', user: 'elsewhere', loginMs: Date.now() },
      { pid: helper.pid, line: 'pts/9867', user: 'here', loginMs: Date.now() },
    ]);
    const answer = await helper.request('sessions.logoff', { Targets: [{ SessionId: other }], Wait: false }, 'logoff', 10_000);
    const outcomes = (answer.result as { Outcomes: { Item: Listed | null; Error: unknown }[] }).Outcomes;
    expect(outcomes.map((o) => ({ Item: o.Item && { SessionId: o.Item.SessionId, IsCurrent: o.Item.IsCurrent }, Error: o.Error }))).toEqual([
      { Item: { SessionId: other, IsCurrent: false }, Error: null },
    ]);
    expect(await waitFor(() => isGone(other), 5_000)).toBe(true);
  });

  it('without a terminal, in no listed session: none is current, and Current lists none', async () => {
    const { helper, utmp } = helperOn(OWN_SESSION);
    const others = [await startLeader(), await startLeader()];
    writeUtmp(writer, utmp, others.map((pid, i) => ({ pid, line: `pts/986${3 + i}`, user: `user${i}`, loginMs: Date.now() })));
    expect(await list(helper, {}, 'all')).toEqual(others.map((pid, i) => ({ SessionId: pid, UserName: `user${i}`, IsCurrent: false })));
    expect(await list(helper, { Current: true }, 'current')).toEqual([]);
  });

  it('on a terminal: the session whose line is the parent\'s terminal; one on another device is not it', async () => {
    const { helper, utmp } = helperOn(TERMINAL_SESSION);
    expect(await waitFor(() => /^\d+ \/dev\/\S+\n/.test(helper.stderr), 10_000)).toBe(true);
    const [pidText, terminal] = helper.stderr.split('\n')[0]!.split(' ');
    const leader = Number(pidText);
    const other = await startLeader();
    writeUtmp(writer, utmp, [
      // A session on another character device (/dev/null), and the parent's, on its terminal.
      { pid: other, line: 'null', user: 'device', loginMs: Date.now() },
      { pid: leader, line: terminal!.slice('/dev/'.length), user: 'terminal', loginMs: Date.now() },
    ]);
    expect(await list(helper, {}, 'all')).toEqual([
      { SessionId: other, UserName: 'device', IsCurrent: false },
      { SessionId: leader, UserName: 'terminal', IsCurrent: true },
    ]);
    expect(await list(helper, { Current: true }, 'current')).toEqual([{ SessionId: leader, UserName: 'terminal', IsCurrent: true }]);
  });
});
