/**
 * sessions.processes on Linux, on real processes: a session recorded in a utmp file is the kernel
 * session of its recorded leader (identity.ts), and its processes are that session's members, read
 * from /proc: the leader and the child it started, not another session's process.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { buildUtmpWriter, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from './support.ts';

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
    expect(Items.map((p) => [p.SessionId, p.Id, p.Name])).toEqual([
      [leader, leader, 'node'],
      [leader, child, 'sleep'],
      [other, other, 'sleep'],
    ]);
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
});
