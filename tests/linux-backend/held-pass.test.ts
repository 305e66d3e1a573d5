/**
 * The pidfds a logoff's pass over /proc holds (src/backend/linux/held.ts) last only until the
 * targets are bound: the pass holds every process whose pid or kernel session is a target's Id,
 * also when that Id turns out to be no session at all, and those pidfds no target takes are closed.
 * With the real backend in this process, on real processes; and the pass itself (readHeldPass):
 * which processes it holds, as the kernel shows the pidfds (/proc/self/fdinfo), and what release()
 * closes, counted in /proc/self/fd.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readHeldPass } from '../../src/backend/linux/held.ts';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { bundleWithKoffi } from './as-user.ts';
import { buildUtmpWriter, isGone, makeTempDir, openPidfds, QUICK_TIMING, removeDir, startLeader, startLeaderWithChild, stopAll, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** `sleep 601` leading a session of its own, with a `sleep 600` child in it: [leader, child]. */
const leaderWithChild = (): Promise<[number, number]> => startLeaderWithChild('sleep 600', ['sleep', '601']);

/** The process a pidfd of this process refers to, as the kernel shows it (the Pid: line of its fdinfo). */
const pidOf = (fd: number): number => Number(/^Pid:\s+(-?\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1]);

describe.skipIf(pidfds() === null)("the pass over /proc a logoff makes, holding the targets' processes", () => {
  let dir: string;
  let writer: string;

  beforeAll(() => {
    dir = makeTempDir('st-held-pass-');
    writer = buildUtmpWriter(dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  it('a target whose Id is a process but no session is SessionNotFound, that process is untouched, and the pidfd the pass held for it is closed', async () => {
    const [recorded, unrecorded] = [await startLeader(), await startLeader()];
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid: recorded, line: 'pts/9960', user: 'user0', loginMs: Date.now() }]);
    const backend = createLinuxBackend({ utmpPath: utmp, logoffTiming: QUICK_TIMING });
    const before = openPidfds();
    const { Outcomes } = await backend.actions['sessions.logoff']({ Targets: [{ SessionId: unrecorded }], Wait: true });
    expect(Outcomes).toEqual([
      {
        Target: { SessionId: unrecorded },
        Item: null,
        Error: { ErrorId: 'SessionNotFound', Message: `No session with id ${unrecorded} on ${hostname()}.`, Target: unrecorded, ComputerName: hostname() },
      },
    ]);
    expect(openPidfds()).toBe(before);
    expect([isGone(recorded), isGone(unrecorded)]).toEqual([false, false]);
  });

  it("holds a pidfd for exactly the processes of the target sessions and the targets' own pids, gives each once, and release() closes the rest", async () => {
    const [leader, child] = await leaderWithChild();
    const [otherLeader, otherChild] = await leaderWithChild();
    const fds = pidfds()!;
    const before = openPidfds();
    // A target's Id is its session's leader, or a process that leads no session (identity.ts).
    const pass = readHeldPass(new Set([leader, otherChild]));
    expect(openPidfds() - before).toBe(3);
    expect(pass.processes.get(child)).toMatchObject({ session: leader, ppid: leader });
    const taken = [leader, child, otherChild].map((pid) => pass.take(pid));
    expect(taken.map((fd) => (typeof fd === 'number' ? pidOf(fd) : fd))).toEqual([leader, child, otherChild]);
    expect([pass.take(leader), pass.take(otherLeader), pass.take(process.pid)]).toEqual([null, null, null]);
    pass.release();
    expect(openPidfds() - before).toBe(3); // the taken ones are the taker's
    for (const fd of taken) fds.close(fd!);
    expect(openPidfds()).toBe(before);
  });

  it('release() closes every pidfd the pass held that no one took', async () => {
    const [leader, child] = await leaderWithChild();
    const before = openPidfds();
    const pass = readHeldPass(new Set([leader]));
    expect(openPidfds() - before).toBe(2);
    const fd = pass.take(child)!;
    expect(pidOf(fd)).toBe(child);
    pass.release();
    expect(openPidfds() - before).toBe(1);
    pidfds()!.close(fd);
    expect(openPidfds()).toBe(before);
    expect(pass.take(leader)).toBeNull();
  });

  it('at the file descriptor limit, with none left for /proc itself: the pass fails with EMFILE, and holds nothing', async () => {
    const [leader] = await leaderWithChild();
    chmodSync(dir, 0o755);
    const script = bundleWithKoffi(join(here, 'fixtures', 'held-pass-at-fd-limit.ts'), dir);
    const out = execFileSync('prlimit', ['--nofile=256', process.execPath, script, '0', String(leader)], { cwd: dirname(script), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ Code: 'EMFILE', Message: "EMFILE: too many open files, scandir '/proc'", OpenPidfds: 0 });
  });
});
