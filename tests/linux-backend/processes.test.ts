/**
 * sessions.processes on Linux, on real processes: a session recorded in a utmp file is the kernel
 * session of its recorded leader (identity.ts), and its processes are that session's members, read
 * from /proc: the leader and the child it started, not another session's process. Checked against
 * ps too: a session of two users' processes, a record whose process is a kernel thread (no VmRSS),
 * and user names read from another /etc/passwd (in a mount namespace of its own).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import type { SessionProcess } from '../../src/protocol/process.ts';
import { hidepidUsable } from './as-user.ts';
import { adopt, buildUtmpWriter, bundleScript, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Leaders with a child of their own: their pids and the children's, ended by pid after each test. */
const mine: number[] = [];

/** A node process in a session of its own (setsid) that starts `sleep 601` in it: [leader, child]. */
async function leaderWithChild(): Promise<[number, number]> {
  const script = "const c = require('child_process').spawn('sleep', ['601'], { stdio: 'ignore' }); process.stdout.write(c.pid + '\\n'); setInterval(() => {}, 1e6);";
  const leader = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  mine.push(leader.pid as number);
  const child = await new Promise<number>((resolve, reject) => {
    leader.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    leader.once('exit', (code) => reject(new Error(`leader exited early (${code})`)));
  });
  mine.push(child);
  leader.stdout!.destroy();
  leader.unref();
  return [leader.pid as number, child];
}

const vmRss = (pid: number): number => Number(/\nVmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

const uidOf = (pid: number): number => Number(/\nUid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

/**
 * A root process in a session of its own (`sleep 601`) with a `sleep 602` in it for each uid given
 * (setpriv): [leader, ...the sleeps in the order of `uids`]. stopAll() ends them.
 */
async function sessionOfUsers(uids: number[]): Promise<number[]> {
  const starts = uids.map((uid) => `setpriv --reuid=${uid} --regid=${uid} --clear-groups sleep 602 &`).join(' ');
  const child = spawn('sh', ['-c', `${starts} exec sleep 601`], { detached: true, stdio: 'ignore' });
  const leader = child.pid!;
  adopt(leader);
  child.unref();
  const found = new Map<number, number>();
  const ready = await waitFor(() => {
    try {
      for (const pid of readFileSync(`/proc/${leader}/task/${leader}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)) {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n') found.set(uidOf(pid), pid);
      }
      return readFileSync(`/proc/${leader}/comm`, 'utf8') === 'sleep\n' && uids.every((uid) => found.has(uid));
    } catch {
      return false;
    }
  }, 5_000);
  for (const pid of found.values()) adopt(pid);
  if (!ready) throw new Error(`the sleeps of uids ${uids.join(', ')} did not start in session ${leader}`);
  return [leader, ...uids.map((uid) => found.get(uid)!)];
}

/** What ps shows of each process: user (real, as Uid:'s first field), command name, RSS in bytes, start time. */
function psOf(pids: number[]): Map<number, { user: string; name: string; rss: number; startMs: number }> {
  const out = execFileSync('ps', ['-o', 'pid=,ruser=,comm=,rss=,lstart=', '-p', pids.join(',')], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
  const rows = new Map<number, { user: string; name: string; rss: number; startMs: number }>();
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const [pid, user, name, rss, ...lstart] = line.trim().split(/\s+/);
    rows.set(Number(pid), { user: user!, name: name!, rss: Number(rss) * 1024, startMs: Date.parse(`${lstart.join(' ')} UTC`) });
  }
  return rows;
}

/** A listed process against ps: the same user, name and working set, and a start within ps's whole second. */
function expectAsPs(p: SessionProcess, ps: { user: string; name: string; rss: number; startMs: number } | undefined): void {
  expect(ps).toBeDefined();
  expect([p.UserName, p.Name]).toEqual([ps!.user, ps!.name]);
  expect(Math.abs(p.WorkingSet - ps!.rss)).toBeLessThanOrEqual(64 * 1024);
  const startMs = Date.parse(p.StartTime as string);
  expect(startMs - ps!.startMs).toBeGreaterThanOrEqual(-1_000);
  expect(startMs - ps!.startMs).toBeLessThan(2_000);
}

describe('LinuxBackend.processes, on real processes', () => {
  let dir: string;
  let writer: string;

  beforeAll(() => {
    dir = makeTempDir('st-processes-');
    writer = buildUtmpWriter(dir);
  });
  afterEach(() => {
    for (const pid of mine.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    stopAll();
  });
  afterAll(() => removeDir(dir));

  it("lists each session's members with name, user, start and working set, and nothing of another session", async () => {
    const [leader, child] = await leaderWithChild();
    const other = await startLeader('plain');
    const loginMs = Date.now() - 1_000;
    const utmp = join(dir, 'utmp-1');
    // Lines naming no terminal: each session is its recorded process's kernel session.
    writeUtmp(writer, utmp, [
      { pid: leader, line: 'pts/9900', user: 'amy', loginMs },
      { pid: other, line: 'pts/9901', user: 'bo', loginMs },
    ]);
    const backend = createLinuxBackend({ utmpPath: utmp });
    const { Items, Errors } = await backend.processes({ Targets: [{ SessionId: leader }, { SessionId: other, ComputerName: 'localhost' }] });
    expect(Errors).toEqual([]);
    // Sessions in target order; a session's members in /proc's order, by pid, which wraps around
    // (a child can have a lower pid than its parent), so they are compared without order.
    expect(Items.map((p) => p.SessionId)).toEqual([leader, leader, other]);
    const byPid = (a: unknown[], b: unknown[]) => (a[0] as number) - (b[0] as number);
    expect(Items.slice(0, 2).map((p) => [p.Id, p.Name]).sort(byPid)).toEqual([[leader, 'node'], [child, 'sleep']].sort(byPid));
    expect(Items.slice(2).map((p) => [p.Id, p.Name])).toEqual([[other, 'sleep']]);
    for (const p of Items) {
      // 'localhost' is reported as this computer's own name, as Get-UserSession reports it.
      expect(p.ComputerName).toBe(hostname());
      expect(p.UserName).toBe(userInfo().username);
      expect(Math.abs(Date.parse(p.StartTime as string) - Date.now())).toBeLessThan(30_000);
      expect(Math.abs(p.WorkingSet - vmRss(p.Id))).toBeLessThanOrEqual(1024 * 1024);
      expect(p.WorkingSet).toBeGreaterThan(0);
    }
  });

  it('a session that is not listed is SessionNotFound; another computer is NotSupportedOnPlatform; both in target order', async () => {
    const leader = await startLeader('plain');
    const utmp = join(dir, 'utmp-2');
    writeUtmp(writer, utmp, [{ pid: leader, line: 'pts/9902', user: 'amy', loginMs: Date.now() - 1_000 }]);
    const backend = createLinuxBackend({ utmpPath: utmp });
    const { Items, Errors } = await backend.processes({ Targets: [{ SessionId: 1 }, { SessionId: leader, ComputerName: 'rds01' }, { SessionId: leader }] });
    expect(Items.map((p) => p.Id)).toEqual([leader]);
    expect(Errors.map((e) => [e.ErrorId, e.Target, e.ComputerName])).toEqual([
      ['SessionNotFound', 1, hostname()],
      ['NotSupportedOnPlatform', leader, 'rds01'],
    ]);
  });

  it.skipIf(!hidepidUsable)("a session of two users' processes: each listed with its own user, name, working set and start, as ps shows them", async () => {
    const [leader, nobodys] = await sessionOfUsers([65534]);
    const utmp = join(dir, 'utmp-3');
    writeUtmp(writer, utmp, [{ pid: leader!, line: 'pts/9903', user: 'amy', loginMs: Date.now() }]);
    const { Items, Errors } = await createLinuxBackend({ utmpPath: utmp }).processes({ Targets: [{ SessionId: leader! }] });
    expect(Errors).toEqual([]);
    // In pid order (pids wrap around: the later process may have the lower pid).
    const expected: [number, string, string][] = [
      [leader!, 'root', 'sleep'],
      [nobodys!, 'nobody', 'sleep'],
    ];
    expect(Items.map((p) => [p.Id, p.UserName, p.Name])).toEqual(expected.sort((a, b) => a[0] - b[0]));
    const ps = psOf([leader!, nobodys!]);
    for (const p of Items) expectAsPs(p, ps.get(p.Id));
  });

  it('a record whose process is a kernel thread (kthreadd, which has no memory of its own): listed with a working set of 0, as ps shows it', async ({ skip }) => {
    const status = readFileSync('/proc/2/status', 'utf8');
    // In a container's pid namespace, pid 2 is no kernel thread.
    if (!status.startsWith('Name:\tkthreadd\n') || status.includes('\nVmRSS:')) return skip('pid 2 is not kthreadd here');
    const utmp = join(dir, 'utmp-4');
    writeUtmp(writer, utmp, [{ pid: 2, line: '', user: 'root', loginMs: Date.now() }]);
    const { Items, Errors } = await createLinuxBackend({ utmpPath: utmp }).processes({ Targets: [{ SessionId: 2 }] });
    expect(Errors).toEqual([]);
    expect(Items.map((p) => [p.SessionId, p.Id, p.UserName, p.Name, p.WorkingSet])).toEqual([[2, 2, 'root', 'kthreadd', 0]]);
    expectAsPs(Items[0]!, psOf([2]).get(2));
  });

  it.skipIf(!hidepidUsable)(
    "user names from /etc/passwd as ps resolves them: a uid's first entry names it (toor after root), an entry without a name names no one, and a uid without an entry has no name",
    async () => {
      const [leader, noName, noEntry] = await sessionOfUsers([1234, 4321]);
      const passwd = join(dir, 'passwd');
      writeFileSync(
        passwd,
        [
          'root:x:0:0:root:/root:/bin/sh',
          'toor:x:0:0:the same uid again:/root:/bin/sh',
          ':x:1234:1234:an entry without a name:/:/usr/sbin/nologin',
          'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
          '',
        ].join('\n'),
      );
      chmodSync(passwd, 0o644);
      const utmp = join(dir, 'utmp-5');
      writeUtmp(writer, utmp, [{ pid: leader!, line: 'pts/9905', user: 'root', loginMs: Date.now() }]);
      const script = bundleScript(join(here, 'fixtures', 'processes-of.ts'), dir);
      // In a mount namespace of its own, whose /etc/passwd is the file above: ps, then the listing.
      const inNamespace = 'mount --bind "$1" /etc/passwd && ps -o ruser= -p "$2" && shift 2 && exec "$@"';
      const out = execFileSync(
        'unshare',
        ['--mount', '--propagation', 'private', '--', 'sh', '-c', inNamespace, 'sh', passwd, String(leader), process.execPath, script, utmp, String(leader)],
        { encoding: 'utf8', timeout: 30_000 },
      ).split('\n');
      expect(out[0]!.trim()).toBe('root');
      const { Items, Errors } = JSON.parse(out[1]!) as { Items: SessionProcess[]; Errors: unknown[] };
      expect(Errors).toEqual([]);
      const expected: [number, string | null][] = [
        [leader!, 'root'],
        [noName!, null],
        [noEntry!, null],
      ];
      expect(Items.map((p) => [p.Id, p.UserName])).toEqual(expected.sort((a, b) => a[0] - b[0]));
    },
  );
});
