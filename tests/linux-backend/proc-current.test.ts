/**
 * Which listed session a process runs in (src/backend/linux/current.ts currentSessionOf: the
 * helper asks it of its parent, PowerShell), for real processes: one on a real terminal (a pty of
 * util-linux script(1), its leader in a session of its own on it), one in a session without a
 * terminal, and one that is gone. The sessions are the real listing of a utmp file. Through the
 * helper (IsCurrent, -Current): tests/helper/current.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { currentSessionOf, terminalAndSession } from '../../src/backend/linux/current.ts';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import type { UserSession } from '../../src/protocol/session.ts';
import { hidepidUsable, NOBODY } from './as-user.ts';
import { adopt, buildUtmpWriter, bundleScript, deadPid, makeTempDir, removeDir, startLeader, startTerminal, stopAll, waitFor, writeUtmp, type RecordSpec } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * What script(1) runs on its pty, as root: in a mount namespace of its own with /proc mounted
 * hidepid=2, a shell as nobody that says its terminal, waits for the utmp file, then runs the
 * fixture as its child (so the fixture's parent is a process of nobody's on the terminal).
 * $1: the utmp file, $2: node, $3: the fixture's bundle.
 */
const ON_TERMINAL_AS_NOBODY = `#!/bin/sh
exec unshare --mount --propagation private -- sh -c 'mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups -- sh -c "$0" inner "$@"' \\
  'echo "tty $(readlink /proc/self/fd/0)"; while [ ! -e "$1" ]; do sleep 0.02; done; "$2" "$3" "$1"; exit 0' "$@"
`;

describe('the session a process runs in', () => {
  let dir: string;
  let writer: string;
  let fileNo = 0;

  beforeAll(() => {
    dir = makeTempDir('st-proc-current-');
    writer = buildUtmpWriter(dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  async function listed(records: RecordSpec[], devDir = '/dev'): Promise<UserSession[]> {
    const utmp = join(dir, `utmp-${++fileNo}`);
    writeUtmp(writer, utmp, records);
    return createLinuxBackend({ utmpPath: utmp, devDir }).list(null, { includeSystem: false, signal: new AbortController().signal });
  }

  /** [SessionId, SessionName, whether the test says it is the session of `pid`]. */
  const marked = (sessions: UserSession[], pid: number, devDir = '/dev') => {
    const isCurrent = currentSessionOf(devDir, pid);
    return sessions.map((s) => [s.SessionId, s.SessionName, isCurrent(s)]);
  };

  it("on a terminal: the session whose line is that terminal; not one without a line, nor one on a line that names no terminal", async () => {
    const terminal = await startTerminal();
    const [noLine, elsewhere] = [await startLeader(), await startLeader()];
    const loginMs = Date.now();
    const sessions = await listed([
      { pid: terminal.leader, line: terminal.line, user: 'here', loginMs },
      { pid: noLine, line: '', user: 'noline', loginMs },
      { pid: elsewhere, line: 'pts/9930', user: 'elsewhere', loginMs },
    ]);
    expect(terminalAndSession(terminal.leader)).toEqual({ ttyNr: expect.any(Number), sid: terminal.leader });
    expect(terminalAndSession(terminal.leader)!.ttyNr).not.toBe(0);
    expect(marked(sessions, terminal.leader)).toEqual([
      [terminal.leader, terminal.line, true],
      [noLine, null, false],
      [elsewhere, 'pts/9930', false],
    ]);
    // Without a terminal: the session whose Id is its kernel session's.
    expect(terminalAndSession(noLine)).toEqual({ ttyNr: 0, sid: noLine });
    expect(marked(sessions, noLine)).toEqual([
      [terminal.leader, terminal.line, false],
      [noLine, null, true],
      [elsewhere, 'pts/9930', false],
    ]);
  });

  it.skipIf(process.getuid?.() !== 0)('a line is the terminal by its device file: a character device with its numbers (a second node of it) is, a block device with the same numbers is not', async () => {
    const terminal = await startTerminal();
    const other = await startLeader();
    const devDir = join(dir, `dev-${++fileNo}`);
    mkdirSync(join(devDir, 'pts'), { recursive: true });
    const rdev = statSync(terminal.tty).rdev;
    const numbers = [String((rdev >> 8) & 0xfff), String((rdev & 0xff) | ((rdev >> 12) & 0xfff00))];
    execFileSync('mknod', [join(devDir, terminal.line), 'c', ...numbers]);
    execFileSync('mknod', [join(devDir, 'disk0'), 'b', ...numbers]);
    expect([statSync(join(devDir, terminal.line)).rdev, statSync(join(devDir, 'disk0')).rdev]).toEqual([rdev, rdev]);
    const loginMs = Date.now();
    const sessions = await listed(
      [
        { pid: terminal.leader, line: terminal.line, user: 'here', loginMs },
        { pid: other, line: 'disk0', user: 'disk', loginMs },
      ],
      devDir,
    );
    expect(marked(sessions, terminal.leader, devDir)).toEqual([
      [terminal.leader, terminal.line, true],
      [other, 'disk0', false],
    ]);
  });

  it('a process that is gone runs in no session: none is its, whatever its line', async () => {
    const terminal = await startTerminal();
    const leader = await startLeader();
    const sessions = await listed([
      { pid: terminal.leader, line: terminal.line, user: 'here', loginMs: Date.now() },
      { pid: leader, line: '', user: 'noline', loginMs: Date.now() },
    ]);
    const gone = await deadPid();
    expect(terminalAndSession(gone)).toBeNull();
    expect(marked(sessions, gone)).toEqual([
      [terminal.leader, terminal.line, false],
      [leader, null, false],
    ]);
  });

  it.skipIf(!hidepidUsable)(
    "as another user, under /proc mounted hidepid=2, on a terminal whose session is recorded with root's process (as sshd records its monitor): her session by its line, though known only by root's pid",
    async () => {
      chmodSync(dir, 0o755);
      const launcher = join(dir, 'on-terminal-as-nobody.sh');
      writeFileSync(launcher, ON_TERMINAL_AS_NOBODY, { mode: 0o755 });
      const fixture = bundleScript(join(here, 'fixtures', 'current-session.ts'), dir);
      const utmp = join(dir, 'utmp-hidden');
      const other = await startLeader();
      const script = spawn('script', ['-qfc', `${launcher} ${utmp} ${process.execPath} ${fixture}`, '/dev/null'], { cwd: '/', stdio: ['pipe', 'pipe', 'ignore'] });
      adopt(script.pid!);
      script.stdin!.on('error', () => {});
      let out = '';
      script.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const closed = new Promise((resolve) => script.once('close', resolve));
      const said = /tty \/dev\/(\S+)\r?\n/;
      expect(await waitFor(() => said.test(out), 10_000)).toBe(true);
      const line = said.exec(out)![1]!;
      // Written whole, then put where the shell waits for it.
      writeUtmp(writer, `${utmp}.new`, [
        { pid: script.pid!, line, user: 'nobody', loginMs: Date.now() },
        { pid: other, line: 'pts/9931', user: 'root', loginMs: Date.now() },
      ]);
      chmodSync(`${utmp}.new`, 0o644);
      renameSync(`${utmp}.new`, utmp);
      await closed;
      const answer = out.split(/\r?\n/).find((l) => l.startsWith('['));
      expect(JSON.parse(answer ?? 'null')).toEqual([
        [script.pid, line, true],
        [other, 'pts/9931', false],
      ]);
    },
  );
});
