import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend, defaultUtmpPath } from '../../src/backend/linux/index.ts';
import type { UserSession } from '../../src/protocol/session.ts';
import {
  UT,
  buildUtmpWriter,
  deadPid,
  makeTempDir,
  removeDir,
  startLeader,
  stopAll,
  writeUtmp,
  type RecordSpec,
} from './support.ts';

const MAX_USER = 'abcdefghijklmnopqrstuvwxyz012345'; // exactly UT_NAMESIZE (32) bytes: no NUL
const UTF8_USER = 'jürgen.ñandú.日本'; // 22 bytes of UTF-8
const LONG_HOST = `${'h'.repeat(251)}.test`; // exactly UT_HOSTSIZE (256) bytes

describe('LinuxBackend.list reads utmp written with the real struct', () => {
  let dir: string;
  let writer: string;
  let utmp: string;
  let devDir: string;
  let pids: number[];
  let dead: number;
  let base: number;
  let records: RecordSpec[];

  beforeAll(async () => {
    dir = makeTempDir('st-list-');
    writer = buildUtmpWriter(dir);
    utmp = join(dir, 'utmp');
    devDir = join(dir, 'dev');
    mkdirSync(join(devDir, 'pts'), { recursive: true });
    writeFileSync(join(devDir, 'pts', '7'), '');
    const fortyFiveMinAgo = new Date(Date.now() - 45 * 60_000);
    utimesSync(join(devDir, 'pts', '7'), fortyFiveMinAgo, fortyFiveMinAgo);

    pids = [];
    for (let i = 0; i < 8; i++) pids.push(await startLeader());
    dead = await deadPid();
    // Login times after the leaders started, as a real login records them; with milliseconds.
    base = Date.now() + 123;
    const [a, b, c, d, e, f, g, h] = pids as [number, number, number, number, number, number, number, number];
    records = [
      { pid: a, line: 'pts/0', user: 'alice', host: 'client.example.com', addr: '192.168.1.20', loginMs: base },
      { pid: b, line: 'pts/1', user: 'bob', host: '2001:db8::7', addr: '2001:db8::7', loginMs: base + 1_001 },
      { pid: c, line: 'tty1', user: MAX_USER, host: LONG_HOST, loginMs: base + 2_002 },
      { pid: d, line: 'pts/3', user: UTF8_USER, host: 'höst.example', addr: '10.0.0.9', loginMs: base + 3_003 },
      { type: UT.DEAD_PROCESS, pid: e, line: 'pts/4', user: 'gone', loginMs: base },
      { type: UT.LOGIN_PROCESS, pid: f, line: 'tty2', user: 'LOGIN', loginMs: base },
      { pid: dead, line: 'pts/5', user: 'stale', loginMs: base },
      // A live pid, but the process started long after this login: a reused pid, not the leader.
      { pid: g, line: 'pts/6', user: 'reused', loginMs: base - 3_600_000 },
      { pid: 0, line: 'pts/8', user: 'nopid', loginMs: base },
      { pid: h, line: 'pts/7', user: 'idler', addr: '::ffff:10.1.2.3', loginMs: base + 4_004 },
    ];
    writeUtmp(writer, utmp, records);
  });

  afterAll(() => {
    stopAll();
    removeDir(dir);
  });

  /** This computer, without system sessions, never aborted. */
  const LOCAL = { includeSystem: false, signal: new AbortController().signal };

  function expected(): UserSession[] {
    const host = hostname();
    const [a, b, c, d, , , , h] = pids;
    const iso = (ms: number) => new Date(ms).toISOString();
    return [
      {
        ComputerName: host, SessionId: a!, SessionName: 'pts/0', UserName: 'alice', Domain: null, State: 'Active',
        Idle: null, LogonTime: iso(base), LastInputTime: null, ConnectTime: iso(base), DisconnectTime: null, IsLocked: null, Protocol: null, ClientName: 'client.example.com', ClientAddress: '192.168.1.20',
      },
      {
        ComputerName: host, SessionId: b!, SessionName: 'pts/1', UserName: 'bob', Domain: null, State: 'Active',
        Idle: null, LogonTime: iso(base + 1_001), LastInputTime: null, ConnectTime: iso(base + 1_001), DisconnectTime: null, IsLocked: null, Protocol: null, ClientName: '2001:db8::7', ClientAddress: '2001:db8::7',
      },
      {
        ComputerName: host, SessionId: c!, SessionName: 'tty1', UserName: MAX_USER, Domain: null, State: 'Active',
        Idle: null, LogonTime: iso(base + 2_002), LastInputTime: null, ConnectTime: iso(base + 2_002), DisconnectTime: null, IsLocked: null, Protocol: null, ClientName: LONG_HOST, ClientAddress: null,
      },
      {
        ComputerName: host, SessionId: d!, SessionName: 'pts/3', UserName: UTF8_USER, Domain: null, State: 'Active',
        Idle: null, LogonTime: iso(base + 3_003), LastInputTime: null, ConnectTime: iso(base + 3_003), DisconnectTime: null, IsLocked: null, Protocol: null, ClientName: 'höst.example', ClientAddress: '10.0.0.9',
      },
      {
        ComputerName: host, SessionId: h!, SessionName: 'pts/7', UserName: 'idler', Domain: null, State: 'Active',
        Idle: expect.any(Number) as unknown as number, LogonTime: iso(base + 4_004), ClientName: null,
        LastInputTime: expect.any(String) as unknown as string, ConnectTime: iso(base + 4_004), DisconnectTime: null, IsLocked: null, Protocol: null,
        ClientAddress: '10.1.2.3',
      },
    ];
  }

  it('returns exactly the live USER_PROCESS sessions, in file order', async () => {
    const sessions = await createLinuxBackend({ utmpPath: utmp, devDir }).list(null, LOCAL);
    expect(sessions).toEqual(expected());
    expect(Buffer.byteLength(MAX_USER)).toBe(32);
    expect(Buffer.byteLength(LONG_HOST)).toBe(256);
  });

  it('computes Idle and LastInputTime from the terminal atime, as w does', async () => {
    const sessions = await createLinuxBackend({ utmpPath: utmp, devDir }).list(null, LOCAL);
    const idler = sessions.find((s) => s.UserName === 'idler');
    expect(Math.abs(Date.parse(idler!.LastInputTime!) - statSync(join(devDir, 'pts', '7')).atimeMs)).toBeLessThan(1);
    expect(idler?.Idle).toBeGreaterThan(45 * 60_000 - 5_000);
    expect(idler?.Idle).toBeLessThan(45 * 60_000 + 5_000);
    // Listing does not touch the terminal.
    expect(Date.now() - statSync(join(devDir, 'pts', '7')).atimeMs).toBeGreaterThan(45 * 60_000 - 5_000);
  });

  it('lists a record without a login time (ut_tv zero): no LogonTime, and no start-time guard to apply', async () => {
    const file = join(dir, 'utmp-untimed');
    writeUtmp(writer, file, [{ pid: pids[0]!, line: 'pts/0', user: 'alice', loginMs: 0 }]);
    const sessions = await createLinuxBackend({ utmpPath: file, devDir }).list(null, LOCAL);
    expect(sessions).toEqual([{ ...expected()[0], LogonTime: null, ConnectTime: null, ClientName: null, ClientAddress: null }]);
  });

  it('shows a login on a whole second (ut_tv_usec 0) with its time', async () => {
    const file = join(dir, 'utmp-whole-second');
    const whole = Math.floor(base / 1000) * 1000;
    writeUtmp(writer, file, [{ pid: pids[0]!, line: 'pts/0', user: 'alice', loginMs: whole }]);
    const [s] = await createLinuxBackend({ utmpPath: file, devDir }).list(null, LOCAL);
    expect([s?.LogonTime, s?.ConnectTime]).toEqual([new Date(whole).toISOString(), new Date(whole).toISOString()]);
  });

  it('takes Idle only from a terminal inside the device directory: not for no line, ".", or a line leading out', async () => {
    // Each of these, if stat()ed, would give an Idle: the directory itself, and a file beside it.
    writeFileSync(join(dir, 'outside'), '');
    const file = join(dir, 'utmp-lines');
    // One leader each: records of one leader are one session (identity.ts).
    writeUtmp(writer, file, ['', '.', '../outside', 'pts/../../outside', 'pts/7'].map((line, i) => ({ pid: pids[i]!, line, user: 'alice', loginMs: base })));
    const sessions = await createLinuxBackend({ utmpPath: file, devDir }).list(null, LOCAL);
    expect(sessions.map((s) => [s.SessionName, s.Idle === null])).toEqual([
      [null, true],
      ['.', true],
      ['../outside', true],
      ['pts/../../outside', true],
      ['pts/7', false],
    ]);
  });

  it('never takes pid 1 (init) for a session leader, whatever utmp says', async () => {
    const file = join(dir, 'utmp-init');
    writeUtmp(writer, file, [{ pid: 1, line: 'pts/0', user: 'init', loginMs: Date.now() }]);
    expect(await createLinuxBackend({ utmpPath: file, devDir }).list(null, LOCAL)).toEqual([]);
  });

  it('uses /dev by default for Idle', async () => {
    const file = join(dir, 'utmp-devnull');
    writeUtmp(writer, file, [{ pid: pids[0]!, line: 'null', user: 'alice', loginMs: base }]);
    const [s] = await createLinuxBackend({ utmpPath: file }).list(null, LOCAL);
    const expectedIdle = Date.now() - statSync('/dev/null').atimeMs;
    expect(s?.Idle).toBeGreaterThanOrEqual(0);
    expect(Math.abs(s!.Idle! - Math.max(0, expectedIdle))).toBeLessThan(2_000);
  });

  describe('the utmp path', () => {
    const saved = process.env.SESSIONTOOLS_UTMP_PATH;
    afterEach(() => {
      if (saved === undefined) delete process.env.SESSIONTOOLS_UTMP_PATH;
      else process.env.SESSIONTOOLS_UTMP_PATH = saved;
    });

    it('comes from SESSIONTOOLS_UTMP_PATH when no path is given', async () => {
      process.env.SESSIONTOOLS_UTMP_PATH = utmp;
      const sessions = await createLinuxBackend({ devDir }).list(null, LOCAL);
      expect(sessions).toEqual(expected());
    });

    it('a remote computer is one NotSupportedOnPlatform failure for that computer', async () => {
      await expect(createLinuxBackend({ utmpPath: utmp, devDir }).list('server01', LOCAL)).rejects.toMatchObject({
        errorId: 'NotSupportedOnPlatform',
        message: expect.stringContaining("Cannot list the sessions of 'server01'"),
      });
    });

    it("is the C library's own (_PATH_UTMP) when neither a path nor SESSIONTOOLS_UTMP_PATH is given", () => {
      delete process.env.SESSIONTOOLS_UTMP_PATH;
      const cPath = execFileSync(writer, ['path'], { encoding: 'utf8' }).trim();
      // glibc names /var/run/utmp, which is /run/utmp through the /var/run link where /run exists.
      // The file itself may be missing (a machine where no login was ever recorded): its folder is
      // resolved then.
      const canonical = (p: string): string => (existsSync(p) ? realpathSync(p) : join(realpathSync(dirname(p)), basename(p)));
      expect(canonical(defaultUtmpPath())).toBe(canonical(cPath));
    });

    it('a missing or unreadable utmp file is an error, not "no sessions"', async () => {
      const missing = join(dir, 'no-such-utmp');
      await expect(createLinuxBackend({ utmpPath: missing }).list(null, LOCAL)).rejects.toMatchObject({
        errorId: 'SessionSourceUnreadable',
        message: `The utmp file '${missing}', which lists the sessions, does not exist.`,
      });
      await expect(createLinuxBackend({ utmpPath: dir }).list(null, LOCAL)).rejects.toMatchObject({
        errorId: 'SessionSourceUnreadable',
        message: `The utmp file '${dir}', which lists the sessions, cannot be read (EISDIR).`,
      });
    });

    it('a file cut mid-record yields the whole records', async () => {
      const { readFileSync } = await import('node:fs');
      const whole = readFileSync(utmp);
      const cut = join(dir, 'utmp-cut');
      writeFileSync(cut, whole.subarray(0, 384 * 2 + 100));
      const sessions = await createLinuxBackend({ utmpPath: cut, devDir }).list(null, LOCAL);
      expect(sessions).toEqual(expected().slice(0, 2));
    });
  });
});
