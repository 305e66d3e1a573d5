/**
 * Sessions of one logoff that end differently: each gets its own answer (session-end.ts
 * endSessions). One session's processes all end at SIGHUP; the other's include a process that
 * SIGKILL does not end, stuck on a FUSE request its server never answers (stuck-on-fuse.ts, as in
 * logoff-timed-out.test.ts), beside one that ends: that session has timed out, the other has
 * ended. Root only, and /dev/fuse.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { readProcStat } from '../../src/backend/linux/proc.ts';
import { endSessions } from '../../src/backend/linux/session-end.ts';
import type { Leader } from '../../src/backend/linux/waiter.ts';
import { endStuck, fuseUsable, startStuck, type Stuck } from './stuck-on-fuse.ts';
import { isGone, makeTempDir, QUICK_TIMING, removeDir, startLeader, stopAll } from './support.ts';

/** A process held as the logoff binds it: its start time and a pidfd. */
function bound(pid: number): Leader {
  const stat = readProcStat(pid);
  if (stat === null) throw new Error(`pid ${pid} is gone`);
  return { pid, startTicks: stat.startTicks, pidfd: pidfds()!.open(pid) };
}

describe.skipIf(!fuseUsable || pidfds() === null)('sessions of one logoff that end differently', () => {
  let dir: string;
  let stuck: Stuck | undefined;

  beforeAll(() => {
    dir = makeTempDir('st-end-timed-out-');
  });
  afterEach(async () => {
    stopAll();
    await endStuck(stuck);
    stuck = undefined;
  });
  afterAll(() => removeDir(dir));

  it("one session's processes end at SIGHUP: ended; the other's include one SIGKILL does not end, beside one that ends: timed out", { timeout: 10_000 }, async () => {
    stuck = await startStuck(dir);
    const [first, beside] = [await startLeader(), await startLeader()];

    const ends = endSessions([[bound(first)], [bound(stuck.pid), bound(beside)]], true, QUICK_TIMING);
    expect(ends.map((e) => e.hangup)).toEqual(['sent', 'sent']);
    expect(await Promise.all(ends.map((e) => e.done))).toEqual([{ kind: 'ended' }, { kind: 'timedOut' }]);
    expect([isGone(first), isGone(beside), isGone(stuck.pid)]).toEqual([true, true, false]);
  });
});
