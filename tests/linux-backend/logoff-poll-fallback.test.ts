/**
 * The shared wait's fallback (waiter.ts: pidfds polled with poll(), pidfd.ts exited()) where the
 * epoll set of exit-watch.ts cannot be had. With pidfds, the only way to that on Linux is a
 * resource failure: the set is made on the first wait, and a process that has no descriptor left
 * then (EMFILE) keeps none for its life. The logoff runs in a process of its own that is brought
 * to that state (fixtures/logoff-without-exit-watch.ts); it must still see each process end as
 * soon as it has, not only at the next signal.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionOutcome } from '../../src/backend/backend.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { bundleWithKoffi } from './as-user.ts';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** SIGHUP to SIGTERM long enough that a process seen ended at SIGTERM shows; the rest short. */
const HUP_TO_TERM_MS = 4_000;
const TIMING = `${HUP_TO_TERM_MS},400,300`;

describe.skipIf(pidfds() === null)('a logoff whose wait has no epoll set polls the pidfds', () => {
  let dir: string;
  let writer: string;
  let script: string;

  beforeAll(() => {
    dir = makeTempDir('st-poll-fallback-');
    chmodSync(dir, 0o755);
    writer = buildUtmpWriter(dir);
    script = bundleWithKoffi(join(here, 'fixtures', 'logoff-without-exit-watch.ts'), dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  it('two sessions ended by SIGHUP are seen ended at once, well before SIGTERM would be due', async () => {
    const pids = [await startLeader(), await startLeader()];
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, pids.map((pid, i) => ({ pid, line: `pts/${9950 + i}`, user: `user${i}`, loginMs: Date.now() })));
    // A low limit, so that filling it takes little time.
    const out = execFileSync('prlimit', ['--nofile=256', process.execPath, script, utmp, TIMING, ...pids.map(String)], { cwd: dirname(script), encoding: 'utf8' });
    const answer = JSON.parse(out) as { Pidfds: boolean; ExitWatch: boolean; Outcomes: SessionOutcome[]; Ms: number };
    expect(answer).toMatchObject({
      Pidfds: true,
      ExitWatch: false,
      Outcomes: pids.map((SessionId) => ({ Target: { SessionId }, Item: null, Error: null })),
    });
    expect(answer.Ms).toBeLessThan(HUP_TO_TERM_MS / 2);
    expect(pids.every(isGone)).toBe(true);
  });
});
