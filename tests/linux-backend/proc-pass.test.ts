/**
 * The pass over /proc (src/backend/linux/proc.ts readProcessTable) on the real /proc: which entries
 * it reads, the visitor it calls around each read (held.ts opens a pidfd before and decides after),
 * and the processes it leaves out: zombies, which have ended. A process that leaves a zombie child
 * behind (it never reaps it) lists only its live processes, as Get-UserSessionProcess shows them.
 */
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { readProcessTable, readProcStat, type ProcStat } from '../../src/backend/linux/proc.ts';
import { buildUtmpWriter, makeTempDir, removeDir, startLeaderWithChild, stopAll, writeUtmp } from './support.ts';

/**
 * A process in a session of its own whose child has ended and is never reaped: `sh -c 'sleep 0 &
 * exec <program> 600'`. Resolves with [leader, zombie] once the child is a zombie.
 */
const leaderWithZombie = (program = 'sleep'): Promise<[number, number]> =>
  startLeaderWithChild('sleep 0', [program, '600'], (child) => readProcStat(child)?.state === 'Z');

describe('the pass over /proc', () => {
  let dir: string;
  let writer: string;

  beforeAll(() => {
    dir = makeTempDir('st-proc-pass-');
    writer = buildUtmpWriter(dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  it('visits every process /proc lists, and nothing else: before its one read, then after it with what it read; a zombie is read as gone and left out', async () => {
    // A command name with spaces and parentheses: the fields of its stat are counted from the last ")".
    const odd = join(dir, 'st) (a b');
    symlinkSync('/bin/sleep', odd);
    const [leader, zombie] = await leaderWithZombie(odd);
    const calls: [string, number, ProcStat | null][] = [];
    const table = readProcessTable({
      before: (pid) => calls.push(['before', pid, null]),
      after: (pid, stat) => calls.push(['after', pid, stat]),
    });
    const pids = calls.filter((c) => c[0] === 'before').map((c) => c[1]);
    // Only numeric entries of /proc ("self", "sys", "meminfo" ... are no processes).
    expect(pids.filter((pid) => !(Number.isSafeInteger(pid) && pid > 0))).toEqual([]);
    // Each read between its own before and after, in /proc's order, once each.
    expect(calls.map((c) => `${c[0]} ${c[1]}`)).toEqual(pids.flatMap((pid) => [`before ${pid}`, `after ${pid}`]));
    expect(new Set(pids).size).toBe(pids.length);
    expect(pids).toEqual(expect.arrayContaining([process.pid, leader, zombie]));
    // after() is told what the table holds: the stat for a live process, null for a zombie.
    for (const [kind, pid, stat] of calls) if (kind === 'after') expect(stat).toEqual(table.get(pid) ?? null);
    expect(table.has(zombie)).toBe(false);
    expect(readProcStat(zombie)).toMatchObject({ state: 'Z', ppid: leader, session: leader });
    expect(table.get(leader)).toMatchObject({ ppid: process.pid, session: leader, ttyNr: 0 });
    expect(readFileSync(`/proc/${leader}/comm`, 'latin1')).toBe('st) (a b\n');
  });

  it("a session whose leader never reaped its ended child lists the leader alone: the zombie is no process of it", async () => {
    const [leader, zombie] = await leaderWithZombie();
    const utmp = join(dir, 'utmp');
    // A line naming no terminal: the session is its recorded process's kernel session.
    writeUtmp(writer, utmp, [{ pid: leader, line: 'pts/9940', user: 'zed', loginMs: Date.now() }]);
    const { Items, Errors } = await createLinuxBackend({ utmpPath: utmp }).processes({ Targets: [{ SessionId: leader }] });
    expect(Errors).toEqual([]);
    expect(Items.map((p) => [p.SessionId, p.Id, p.Name])).toEqual([[leader, leader, 'sleep']]);
    expect(readProcStat(zombie)?.state).toBe('Z');
  });
});
