/**
 * Send-UserSessionMessage on Linux (src/backend/linux/message.ts) against real terminals, without
 * sshd: ptys made by util-linux script(1) (support.ts startTerminal), each named by a utmp record
 * the C writer wrote, through the backend in this process (root) and in a child run as nobody
 * (uid 65534; fixtures/message-as-caller.ts). Asserted is what a user sees: the exact bytes that
 * arrive on each terminal (read from the pty's master side), each target's outcome, and that
 * nothing arrives where nothing may be written (a message allowed afterwards is then the first
 * thing a terminal shows).
 *
 * The device directory is a temporary one (the backend's devDir): `pts` in it leads to /dev/pts,
 * and beside it are the lines that are no terminal (a file, a directory, a FIFO).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import type { TargetError } from '../../src/protocol/errors.ts';
import type { SessionTarget } from '../../src/protocol/session.ts';
import {
  buildUtmpWriter,
  bundleScript,
  deadPid,
  isGone,
  makeTempDir,
  removeDir,
  startLeader,
  startTerminal,
  stopAll,
  waitFor,
  writeUtmp,
  type RecordSpec,
  type Terminal,
} from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const HOST = hostname();
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
/** This process's user: the sender, and the user of its own terminal's session. */
const ME = userInfo().username;
/** A user name /etc/passwd does not have (a directory user): its terminal's owner is the leader's. */
const DIRECTORY_USER = 'st-h1-directory-user';

type Params = Parameters<Backend['actions']['sessions.message']>[0];
type Outcome = Awaited<ReturnType<Backend['actions']['sessions.message']>>['Outcomes'][number];

let dir: string;
let devDir: string;
let writer: string;
let fileNo = 0;
/** This process's terminal (script run as ME, root here): the pty is ME's, mode 0600 (devpts mode=600 here). */
let roots: Terminal;

beforeAll(async () => {
  dir = makeTempDir('st-message-delivery-');
  // Readable by nobody, who runs the fixture against these utmp files and this device directory.
  chmodSync(dir, 0o755);
  devDir = join(dir, 'dev');
  mkdirSync(devDir);
  symlinkSync('/dev/pts', join(devDir, 'pts'));
  writer = buildUtmpWriter(dir);
  roots = await startTerminal();
});
afterAll(() => {
  stopAll();
  removeDir(dir);
});

/** A utmp file with `records`, and the backend that reads it (lines under devDir). */
function backendFor(records: RecordSpec[]): { backend: Backend; utmpPath: string } {
  const utmpPath = join(dir, `utmp-${++fileNo}`);
  writeUtmp(writer, utmpPath, records);
  chmodSync(utmpPath, 0o644);
  return { backend: createLinuxBackend({ utmpPath, devDir }), utmpPath };
}

/** A record for a terminal's session, logged in now (after its leader started). */
const recordOf = (t: Terminal, user: string): RecordSpec => ({ pid: t.leader, line: t.line, user, loginMs: Date.now() });

function params(Targets: SessionTarget[], msg: Partial<Params> = {}): Params {
  return { Targets, Text: 'hello', Title: null, Buttons: null, TimeoutSec: 60, Wait: false, ...msg };
}

async function send(backend: Backend, Targets: SessionTarget[], msg: Partial<Params> = {}): Promise<Outcome[]> {
  return (await backend.actions['sessions.message'](params(Targets, msg))).Outcomes;
}

const hhmm = (d: Date): string => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** The bytes write(1) shows, for `lines` (title, text lines) sent by `from` to `line` at `at`. */
const shown = (from: string, line: string, at: string, lines: string[]): string =>
  `\r\n\u0007Message from ${from}@${HOST} on ${line} at ${at} ...\r\n${[...lines, 'EOF'].join('\r\n')}\r\n`;

/**
 * What arrived on `t` after its first `mark` bytes (its length before sending): once it ends with
 * `last`, or whatever is there after 3 s.
 */
async function arrived(t: Terminal, mark: number, last: string): Promise<string> {
  await waitFor(() => t.output().subarray(mark).toString('utf8').endsWith(last), 3_000, 5);
  return t.output().subarray(mark).toString('utf8');
}

/** Runs `f`, and gives its result with the minutes (hh:mm) it started and ended in: one of them is the banner's. */
async function timed<T>(f: () => Promise<T>): Promise<[T, string[]]> {
  const before = hhmm(new Date());
  const r = await f();
  return [r, [...new Set([before, hhmm(new Date())])]];
}

/** Expects `text` to be shown(...) at one of the minutes `at`. */
function expectShown(text: string, from: string, line: string, at: string[], lines: string[]): void {
  expect(at.map((m) => shown(from, line, m, lines))).toContain(text);
}

const ok = (SessionId: number, UserName: string): Outcome => ({
  Target: { SessionId },
  Item: { ComputerName: HOST, SessionId, UserName, Answer: 'Async' },
  Error: null,
});

const failed = (target: SessionTarget, ErrorId: TargetError['ErrorId'], Message: string): Outcome => ({
  Target: target,
  Item: null,
  Error: { ErrorId, Message, Target: target.SessionId, ComputerName: HOST },
});

describe('a message to a real terminal', () => {
  it('arrives as the banner, the title, each line of the text and EOF, byte for byte; the answer is Async', async () => {
    const { backend } = backendFor([recordOf(roots, ME)]);
    const mark = roots.output().length;
    const [outcomes, at] = await timed(() => send(backend, [{ SessionId: roots.leader }], { Title: 'Maintenance', Text: 'one\r\ntwo\nthree', Buttons: 'OK', Wait: true }));
    expect(outcomes).toEqual([ok(roots.leader, ME)]);
    expectShown(await arrived(roots, mark, 'EOF\r\n'), ME, roots.line, at, ['Maintenance', 'one', 'two', 'three']);
    // The sender keeps no handle on the user's terminal.
    expect(openHere(roots.tty)).toEqual([]);
  });

  it('without a title has no title line, and shows every control character as ^X (a lone CR too)', async () => {
    const { backend } = backendFor([recordOf(roots, ME)]);
    const mark = roots.output().length;
    const text = 'a\u001b]0;pwned\u0007 b\u009b2J c\u007f d\re\tf';
    const [outcomes, at] = await timed(() => send(backend, [{ SessionId: roots.leader }], { Text: text }));
    expect(outcomes).toEqual([ok(roots.leader, ME)]);
    expectShown(await arrived(roots, mark, 'EOF\r\n'), ME, roots.line, at, ['a^[]0;pwned^G bM-^[2J c^? d^Me\tf']);
  });

  it('answers for each target in order: a remote computer, an unknown id, and this computer by another name', async () => {
    const gone = await deadPid();
    const { backend } = backendFor([recordOf(roots, ME)]);
    const mark = roots.output().length;
    const targets: SessionTarget[] = [
      { SessionId: roots.leader, ComputerName: 'server01' },
      { SessionId: gone },
      { SessionId: roots.leader, ComputerName: 'localhost' },
    ];
    const [outcomes, at] = await timed(() => send(backend, targets, { Text: 'once' }));
    expect(outcomes).toEqual([
      {
        Target: targets[0],
        Item: null,
        Error: {
          ErrorId: 'NotSupportedOnPlatform',
          Message: "Cannot act on sessions of computer 'server01': the Linux backend manages only the local computer. Remote computers need the Windows backend.",
          Target: roots.leader,
          ComputerName: 'server01',
        },
      },
      failed(targets[1]!, 'SessionNotFound', `No session with id ${gone} on ${HOST}.`),
      { Target: targets[2], Item: { ComputerName: HOST, SessionId: roots.leader, UserName: ME, Answer: 'Async' }, Error: null },
    ]);
    // Once: the remote target named the same id, and wrote nothing.
    expectShown(await arrived(roots, mark, 'EOF\r\n'), ME, roots.line, at, ['once']);
  });

  it('-Buttons other than OK is InvalidArgument, and nothing is written', async () => {
    const { backend } = backendFor([recordOf(roots, ME)]);
    const mark = roots.output().length;
    const target = { SessionId: roots.leader };
    expect(await send(backend, [target], { Text: 'May I log you off?', Buttons: 'YesNo' })).toEqual([
      failed(target, 'InvalidArgument', `A terminal has no buttons: session ${roots.leader} (${ME} on ${roots.line}) takes only -Buttons OK, not YesNo. Nothing was sent.`),
    ]);
    const [, at] = await timed(() => send(backend, [target], { Text: 'after' }));
    expectShown(await arrived(roots, mark, 'EOF\r\n'), ME, roots.line, at, ['after']);
  });

  it('a utmp file that cannot be read is each local target\'s error; a remote target keeps its own', async () => {
    const backend = createLinuxBackend({ utmpPath: dir, devDir });
    const local = { SessionId: roots.leader };
    const remote = { SessionId: roots.leader, ComputerName: 'server01' };
    const outcomes = await send(backend, [local, remote]);
    expect(outcomes[0]).toEqual(
      failed(local, 'SessionSourceUnreadable', `Could not send a message to session ${roots.leader}: The utmp file '${dir}', which lists the sessions, cannot be read (EISDIR).`),
    );
    expect(outcomes[1]!.Error!.ErrorId).toBe('NotSupportedOnPlatform');
  });

  it('a terminal whose output is full: BackendFailed, and the message does not arrive', async () => {
    const t = await startTerminal();
    const { backend } = backendFor([recordOf(t, ME)]);
    // script stops reading the master: what is written to the slave fills the pty's buffers.
    process.kill(t.scriptPid, 'SIGSTOP');
    let filled = 0;
    try {
      filled = await fillTerminal(t.tty);
      const target = { SessionId: t.leader };
      expect(await send(backend, [target], { Text: 'lost' })).toEqual([
        failed(target, 'BackendFailed', `The terminal of session ${t.leader} (${join(devDir, t.line)}) takes no more output now (its output is stopped or full); nothing was written.`),
      ]);
    } finally {
      process.kill(t.scriptPid, 'SIGCONT');
    }
    await waitFor(() => t.output().length >= filled, 3_000, 5);
    expect(t.output().toString('latin1')).toBe('x'.repeat(filled));
  });

  it('a terminal that takes only part of the message: BackendFailed saying how much arrived, which is all that did', async () => {
    const t = await startTerminal();
    const { backend } = backendFor([recordOf(t, ME)]);
    process.kill(t.scriptPid, 'SIGSTOP');
    const target = { SessionId: t.leader };
    // 8 KiB of output nobody reads yet, then a message of 32 KiB (a title and a text of 4096 C1
    // controls each, the most a message may have, each shown as 4 bytes): more than the pty has
    // room for (about 20 KiB in all here), so the write is cut short.
    const pending = Buffer.alloc(8192, 'x');
    let outcomes: Outcome[];
    let at: string[];
    try {
      const fd = openSync(t.tty, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
      expect(writeSync(fd, pending)).toBe(pending.length);
      closeSync(fd);
      [outcomes, at] = await timed(() => send(backend, [target], { Title: '\u0080'.repeat(4096), Text: '\u0080'.repeat(4096) }));
    } finally {
      process.kill(t.scriptPid, 'SIGCONT');
    }
    const whole = at.map((m) => shown(ME, t.line, m, ['M-^@'.repeat(4096), 'M-^@'.repeat(4096)]));
    const took = /took only (\d+) of/.exec(outcomes[0]?.Error?.Message ?? '');
    const n = Number(took?.[1]);
    expect(outcomes).toEqual([
      failed(target, 'BackendFailed', `The terminal of session ${t.leader} (${join(devDir, t.line)}) took only ${n} of the message's ${whole[0]!.length} bytes (its output is full); the rest was not written.`),
    ]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(whole[0]!.length);
    await waitFor(() => t.output().length >= pending.length + n, 3_000, 5);
    const arrivedText = t.output().toString('latin1');
    expect(arrivedText.slice(0, pending.length)).toBe(pending.toString('latin1'));
    expect(whole.map((w) => w.slice(0, n))).toContain(arrivedText.slice(pending.length));
  });
});

describe('a line that is no terminal of the session', () => {
  it('is refused before anything is opened, and nothing is written there: outside the device directory, none, a file, a directory, a FIFO; nothing there or an absolute path is no session', async () => {
    writeFileSync(join(dir, 'outside'), '');
    writeFileSync(join(devDir, 'notatty'), '');
    mkdirSync(join(devDir, 'adir'));
    execFileSync('mkfifo', [join(devDir, 'fifo')]);
    // An absolute line stays under the device directory (nothing is there): /dev/pts/N is not root's terminal.
    const lines = ['../outside', '', '.', 'notatty', 'adir', 'fifo', 'gone', roots.tty];
    const mark = roots.output().length;
    const leaders = await Promise.all(lines.map(() => startLeader()));
    const { backend } = backendFor(lines.map((line, i) => ({ pid: leaders[i]!, line, user: `user${i}`, loginMs: Date.now() })));
    const targets = leaders.map((SessionId) => ({ SessionId }));
    const noTerminal = (i: number) => failed(targets[i]!, 'NotSupportedOnPlatform', `Session ${leaders[i]} (user${i}) has no terminal to write to (its line is '${lines[i]}').`);
    const path = (i: number) => join(devDir, lines[i]!);
    expect(await send(backend, targets, { Text: 'not here' })).toEqual([
      noTerminal(0),
      noTerminal(1),
      noTerminal(2),
      failed(targets[3]!, 'BackendFailed', `${path(3)}, the line of session ${leaders[3]}, is not a terminal; nothing was written.`),
      // Opening them would have failed otherwise (EISDIR; ENXIO, a FIFO without a reader): the stat came first.
      failed(targets[4]!, 'BackendFailed', `${path(4)}, the line of session ${leaders[4]}, is not a terminal; nothing was written.`),
      failed(targets[5]!, 'BackendFailed', `${path(5)}, the line of session ${leaders[5]}, is not a terminal; nothing was written.`),
      failed(targets[6]!, 'SessionNotFound', `No session with id ${leaders[6]} on ${HOST}.`),
      failed(targets[7]!, 'SessionNotFound', `No session with id ${leaders[7]} on ${HOST}.`),
    ]);
    expect(readFileSync(join(dir, 'outside'), 'utf8')).toBe('');
    expect(readFileSync(join(devDir, 'notatty'), 'utf8')).toBe('');
    expect(openHere(join(devDir, 'notatty'))).toEqual([]);
    const [, at] = await timed(() => send(backendFor([recordOf(roots, ME)]).backend, [{ SessionId: roots.leader }], { Text: 'after' }));
    expectShown(await arrived(roots, mark, 'EOF\r\n'), ME, roots.line, at, ['after']);
  });

  it('a character device that is no terminal (/dev/null) is refused: the text would reach no one', async () => {
    symlinkSync('/dev/null', join(devDir, 'null'));
    const leader = await startLeader();
    const { backend } = backendFor([{ pid: leader, line: 'null', user: ME, loginMs: Date.now() }]);
    const target = { SessionId: leader };
    expect(await send(backend, [target])).toEqual([
      failed(target, 'BackendFailed', `${join(devDir, 'null')}, the line of session ${leader}, is not a terminal; nothing was written.`),
    ]);
  });

  it('a session whose terminal and leader are gone is not found', async () => {
    const t = await startTerminal();
    const { backend } = backendFor([recordOf(t, ME)]);
    process.kill(t.leader, 'SIGKILL');
    process.kill(t.scriptPid, 'SIGKILL');
    expect(await waitFor(() => isGone(t.leader) && isGone(t.scriptPid), 3_000, 5)).toBe(true);
    const target = { SessionId: t.leader };
    expect(await send(backend, [target])).toEqual([failed(target, 'SessionNotFound', `No session with id ${t.leader} on ${HOST}.`)]);
  });
});

describe.skipIf(!asRoot)('whose terminal it is', () => {
  let nobodys: Terminal;
  beforeAll(async () => {
    nobodys = await startTerminal(NOBODY);
  });

  it("root writes to another user's terminal, even one its record does not name (as write(1) run by root does)", async () => {
    expect(statSync(nobodys.tty).uid).toBe(NOBODY);
    const { backend } = backendFor([recordOf(nobodys, 'root')]);
    const mark = nobodys.output().length;
    const [outcomes, at] = await timed(() => send(backend, [{ SessionId: nobodys.leader }], { Text: 'from root' }));
    expect(outcomes).toEqual([ok(nobodys.leader, 'root')]);
    expectShown(await arrived(nobodys, mark, 'EOF\r\n'), 'root', nobodys.line, at, ['from root']);
  });

  it("another user writes only to a terminal owned by the session's user: by /etc/passwd, else the leader's", async () => {
    // A terminal root's session leads, handed to nobody: /etc/passwd's owner (nobody) is not the leader's (root).
    const handed = await startTerminal();
    chownSync(handed.tty, NOBODY, NOBODY);
    const jobs = [
      [recordOf(nobodys, 'nobody')],
      [recordOf(nobodys, DIRECTORY_USER)],
      [recordOf(nobodys, 'root')],
      [recordOf(roots, 'root')],
      [recordOf(handed, 'nobody')],
    ].map((records) => ({ utmpPath: backendFor(records).utmpPath, devDir, params: params([{ SessionId: records[0]!.pid }], { Text: `to ${records[0]!.user}` }) }));
    const marks = [nobodys, roots, handed].map((t) => t.output().length);
    const script = bundleScript(join(here, 'fixtures', 'message-as-caller.ts'), dir);
    const [out, at] = await timed(() => run(process.execPath, [script, JSON.stringify(jobs)], { uid: NOBODY, gid: NOBODY, cwd: dirname(script), env: { ...process.env, HOME: '/tmp' }, encoding: 'utf8' }));
    const stale = { SessionId: nobodys.leader };
    const others = { SessionId: roots.leader };
    expect(JSON.parse(out.stdout)).toEqual([
      [ok(nobodys.leader, 'nobody')],
      [ok(nobodys.leader, DIRECTORY_USER)],
      [
        failed(
          stale,
          'AccessDenied',
          `${join(devDir, nobodys.line)} is not owned by root, the user of session ${nobodys.leader} (a stale utmp record, or another user's terminal); only root writes to it. Nothing was written.`,
        ),
      ],
      [failed(others, 'AccessDenied', `Permission denied to write to ${join(devDir, roots.line)}, the terminal of session ${roots.leader} (user root): run as root or as that user.`)],
      [ok(handed.leader, 'nobody')],
    ]);
    // Then root's message: the first thing root's terminal shows, the next after the two to nobody's.
    const { backend } = backendFor([recordOf(nobodys, 'nobody'), recordOf(roots, 'root')]);
    const [after, at2] = await timed(() => send(backend, [{ SessionId: nobodys.leader }, { SessionId: roots.leader }], { Text: 'last' }));
    expect(after).toEqual([ok(nobodys.leader, 'nobody'), ok(roots.leader, 'root')]);
    const rootLast = await arrived(roots, marks[1]!, 'last\r\nEOF\r\n');
    expectShown(rootLast, 'root', roots.line, at2, ['last']);
    const nobodysAll = await arrived(nobodys, marks[0]!, 'last\r\nEOF\r\n');
    const expected = at.flatMap((m) => at2.map((m2) => shown('nobody', nobodys.line, m, ['to nobody']) + shown('nobody', nobodys.line, m, [`to ${DIRECTORY_USER}`]) + shown('root', nobodys.line, m2, ['last'])));
    expect(expected).toContain(nobodysAll);
    expectShown(await arrived(handed, marks[2]!, 'EOF\r\n'), 'nobody', handed.line, at, ['to nobody']);
  });
});

/** The descriptors of this process open on `path`. */
function openHere(path: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // the directory's own descriptor, closed by now
    }
  });
}

/** Writes to the terminal until it takes no more (EAGAIN, and still so 50 and 100 ms later); returns how much it took. */
async function fillTerminal(tty: string): Promise<number> {
  const fd = openSync(tty, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  let total = 0;
  let idle = 0;
  try {
    for (;;) {
      let took = 0;
      for (const chunk of [Buffer.alloc(1024, 'x'), Buffer.from('x')]) {
        for (;;) {
          try {
            took += writeSync(fd, chunk);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
            throw e;
          }
        }
      }
      total += took;
      idle = took === 0 ? idle + 1 : 0;
      if (idle === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    closeSync(fd);
  }
  return total;
}
