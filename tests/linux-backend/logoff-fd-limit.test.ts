/**
 * A logoff in a process at its file descriptor limit (EMFILE), as a helper with many descriptors
 * open may be. Each runs in a process of its own, given a low limit (prlimit) and filled up to it
 * (fixtures/logoff-without-exit-watch.ts, fixtures/logoff-at-fd-limit.ts):
 *
 * - the shared wait's fallback (waiter.ts: pidfds polled with poll(), pidfd.ts exited()), reached
 *   with pidfds only where the epoll set of exit-watch.ts cannot be had: it is made on the first
 *   wait, and a process with no descriptor left then keeps none for its life. It must still see
 *   each process end as soon as it has, not only at the next signal;
 * - the pass over /proc failing for want of a descriptor (held.ts): each target's error, nothing
 *   signalled, and every pidfd the pass had opened closed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionOutcome } from '../../src/backend/backend.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { bundleWithKoffi } from './as-user.ts';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** SIGHUP to SIGTERM long enough that a process seen ended only at SIGTERM shows; the rest short. */
const HUP_TO_TERM_MS = 4_000;
const TIMING = `${HUP_TO_TERM_MS},400,300`;
/** A low limit, so that filling it takes little time. */
const LIMIT = '--nofile=256';

describe.skipIf(pidfds() === null)('a logoff at the file descriptor limit', () => {
  let dir: string;
  let writer: string;
  let fileNo = 0;
  const scripts: Record<string, string> = {};

  beforeAll(() => {
    dir = makeTempDir('st-fd-limit-');
    chmodSync(dir, 0o755);
    writer = buildUtmpWriter(dir);
    for (const name of ['logoff-without-exit-watch', 'logoff-at-fd-limit']) scripts[name] = bundleWithKoffi(join(here, 'fixtures', `${name}.ts`), dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  /** A utmp file recording a session for each pid. */
  function utmpOf(pids: number[]): string {
    const utmp = join(dir, `utmp-${++fileNo}`);
    writeUtmp(writer, utmp, pids.map((pid, i) => ({ pid, line: `pts/${9950 + i}`, user: `user${i}`, loginMs: Date.now() })));
    return utmp;
  }

  function run(name: string, args: string[]): unknown {
    const script = scripts[name]!;
    return JSON.parse(execFileSync('prlimit', [LIMIT, process.execPath, script, ...args], { cwd: dirname(script), encoding: 'utf8' }));
  }

  it('its first wait came at the limit: no epoll set, the wait polls the pidfds, and two sessions ended by SIGHUP are seen ended at once', async () => {
    const pids = [await startLeader(), await startLeader()];
    const answer = run('logoff-without-exit-watch', [utmpOf(pids), TIMING, ...pids.map(String)]) as { Ms: number };
    expect(answer).toMatchObject({
      Pidfds: true,
      ExitWatch: false,
      Outcomes: pids.map((SessionId) => ({ Target: { SessionId }, Item: null, Error: null })),
    });
    expect(answer.Ms).toBeLessThan(HUP_TO_TERM_MS / 2);
    expect(pids.every(isGone)).toBe(true);
  });

  it('one descriptor left: the pass over /proc fails, each target is BackendFailed naming EMFILE, nothing is signalled, no pidfd is left open', async () => {
    const pids = [await startLeader(), await startLeader()];
    const answer = run('logoff-at-fd-limit', [utmpOf(pids), TIMING, '1', ...pids.map(String)]) as { Outcomes: SessionOutcome[]; OpenPidfds: number };
    expect(answer).toEqual({
      Outcomes: pids.map((SessionId) => ({
        Target: { SessionId },
        Item: null,
        Error: { ErrorId: 'BackendFailed', Message: expect.stringMatching(new RegExp(`^Could not log off session ${SessionId}: EMFILE: too many open files, open '/proc/\\d+/stat'$`)), Target: SessionId, ComputerName: hostname() },
      })),
      OpenPidfds: 0,
    });
    expect(pids.some(isGone)).toBe(false);
  });
});
