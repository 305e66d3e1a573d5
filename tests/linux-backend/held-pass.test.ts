/**
 * The pidfds a logoff's pass over /proc holds (src/backend/linux/held.ts) last only until the
 * targets are bound: the pass holds every process whose pid or kernel session is a target's Id,
 * also when that Id turns out to be no session at all, and those pidfds no target takes are closed.
 * With the real backend in this process, on real processes.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { buildUtmpWriter, isGone, makeTempDir, openPidfds, QUICK_TIMING, removeDir, startLeader, stopAll, writeUtmp } from './support.ts';

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
});
