/**
 * A session whose leader SIGKILL does not end: the logoff gives up afterKillMs after SIGKILL and
 * answers ActionTimedOut. The leader is stuck as on a hung network mount: it waits, uninterruptibly,
 * for a FUSE server that has read its request and never answers (c/stuck-on-fuse.c); ending that
 * server lets it end. With the real backend in this process; root only, and /dev/fuse.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { endStuck, fuseUsable, startStuck, type Stuck } from './stuck-on-fuse.ts';
import { buildUtmpWriter, isGone, makeTempDir, QUICK_TIMING, removeDir, waitFor, writeUtmp } from './support.ts';

const state = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
};

describe.skipIf(!fuseUsable)('a session whose leader SIGKILL does not end', () => {
  let dir: string;
  let writer: string;
  /** The FUSE server and the process stuck on it, ended by pid after each test (server first). */
  let stuck: Stuck | undefined;

  beforeAll(() => {
    dir = makeTempDir('st-timed-out-');
    writer = buildUtmpWriter(dir);
  });
  afterEach(async () => {
    await endStuck(stuck);
    stuck = undefined;
  });
  afterAll(() => removeDir(dir));

  // 10 s: a logoff that never gives up fails here rather than at the suite's limit.
  it('ActionTimedOut afterKillMs after SIGKILL; the leader ends once its FUSE server is gone', { timeout: 10_000 }, async () => {
    stuck = await startStuck(dir);
    const leader = stuck.pid;
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid: leader, line: 'pts/9970', user: 'user0', loginMs: Date.now() }]);
    const backend = createLinuxBackend({ utmpPath: utmp, logoffTiming: QUICK_TIMING });

    const started = performance.now();
    const { Outcomes } = await backend.actions['sessions.logoff']({ Targets: [{ SessionId: leader }], Wait: true });
    const ms = performance.now() - started;
    expect(Outcomes).toEqual([
      {
        Target: { SessionId: leader },
        Item: null,
        Error: {
          ErrorId: 'ActionTimedOut',
          Message: `Session ${leader} (user user0) was still running ${QUICK_TIMING.afterKillMs / 1000} s after SIGKILL.`,
          Target: leader,
          ComputerName: hostname(),
        },
      },
    ]);
    // Given up only after each grace period and the wait after SIGKILL.
    expect(ms).toBeGreaterThanOrEqual(QUICK_TIMING.hupToTermMs + QUICK_TIMING.termToKillMs + QUICK_TIMING.afterKillMs - 5);
    expect(state(leader)).toBe('D');

    stuck.server.kill('SIGKILL');
    expect(await waitFor(() => isGone(leader), 5_000)).toBe(true);
  });
});
