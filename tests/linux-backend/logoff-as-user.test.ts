/**
 * Logging off as a user who is not root, with pidfds (as the helper runs): the backend runs as
 * nobody (uid 65534) in a process of its own (fixtures/logoff-as-user.ts, bundled with koffi).
 * kill(2)'s rule decides what it may end: its own processes only. Shown here: another user's
 * session (AccessDenied, nothing signalled, its leader alive), and a session whose processes are
 * partly root's (root's login(1) or sudo in her session): hers are ended, root's are left to end by
 * themselves, and the answer depends on whether they did; and a process of hers that becomes root's
 * after SIGHUP (c/root-on-hangup.c, setuid root): SIGTERM is refused. (Without pidfds, the EPERM
 * cases are escalation.test.ts's and logoff.test.ts's.)
 */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionOutcome } from '../../src/backend/backend.ts';
import { accessDenied, bundleWithKoffi, NOBODY, runAsNobody } from './as-user.ts';
import { adopt, buildTestProgram, buildUtmpWriter, isGone, makeTempDir, QUICK_TIMING_ENV, removeDir, startLeader, stopAll, waitFor, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const TIMING = QUICK_TIMING_ENV.SESSIONTOOLS_LOGOFF_TIMING_MS;

/** The uid of a process, from /proc/<pid>/status; null when it is gone. */
function uidOf(pid: number): number | null {
  try {
    return Number(/\nUid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return null;
  }
}

/** The other processes of kernel session `sid` (its leader left out), as /proc shows them now. */
function othersInSession(sid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid === sid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) === sid) out.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * A session led by a root process, with a `sleep` of nobody's in it (setpriv): `script` is the
 * root shell's, `$NOBODY_SLEEP` in it starts nobody's sleep. Resolves once nobody's sleep runs.
 */
async function mixedSession(script: string): Promise<{ leader: number; hers: number }> {
  const nobodySleep = `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups sleep 600`;
  const child = spawn('sh', ['-c', script.replace('$NOBODY_SLEEP', nobodySleep)], { detached: true, stdio: 'ignore' });
  child.unref();
  const leader = child.pid!;
  adopt(leader);
  let hers: number | undefined;
  const found = await waitFor(() => {
    hers = othersInSession(leader).find((pid) => uidOf(pid) === NOBODY && readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n');
    return hers !== undefined;
  }, 5_000);
  if (!found || hers === undefined) throw new Error(`nobody's sleep did not start in session ${leader}`);
  adopt(hers);
  return { leader, hers };
}

describe.skipIf(process.getuid?.() !== 0)('logging off as nobody, with pidfds', () => {
  let dir: string;
  let writer: string;
  let script: string;
  let rootOnHangup: string;
  let fileNo = 0;

  beforeAll(() => {
    dir = makeTempDir('st-logoff-as-user-');
    chmodSync(dir, 0o755);
    writer = buildUtmpWriter(dir);
    script = bundleWithKoffi(join(here, 'fixtures', 'logoff-as-user.ts'), dir);
    rootOnHangup = buildTestProgram('root-on-hangup', dir);
    chmodSync(rootOnHangup, 0o4755);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  /** Logs off session `id`, recorded for `user` on `line`, as nobody; the outcomes and whether pidfds were used. */
  function logoffAsNobody(id: number, user: string, line: string): { Pidfds: boolean; Outcomes: SessionOutcome[] } {
    const utmp = join(dir, `utmp-${++fileNo}`);
    writeUtmp(writer, utmp, [{ pid: id, line, user, loginMs: Date.now() }]);
    chmodSync(utmp, 0o644);
    return JSON.parse(runAsNobody(script, [utmp, TIMING, String(id)])) as { Pidfds: boolean; Outcomes: SessionOutcome[] };
  }

  it("another user's session, recorded without a line: AccessDenied naming the user alone; nothing is signalled", async () => {
    const leader = await startLeader();
    expect(logoffAsNobody(leader, 'user0', '')).toEqual({ Pidfds: true, Outcomes: [accessDenied(leader, 'user user0', 'user0')] });
    expect(isGone(leader)).toBe(false);
  });

  it("her session led by a process of root's that stays: hers is ended, root's is left alone, and the answer is AccessDenied", async () => {
    const { leader, hers } = await mixedSession('$NOBODY_SLEEP & exec sleep 600');
    expect(logoffAsNobody(leader, 'nobody', 'pts/9900')).toEqual({ Pidfds: true, Outcomes: [accessDenied(leader, 'nobody on pts/9900', 'nobody')] });
    expect(await waitFor(() => isGone(hers), 2_000)).toBe(true);
    expect(isGone(leader)).toBe(false);
    expect(uidOf(leader)).toBe(0);
  });

  it("her session led by a process of root's that ends once hers has (as login(1) does): logged off", async () => {
    const { leader, hers } = await mixedSession('$NOBODY_SLEEP & wait');
    expect(logoffAsNobody(leader, 'nobody', 'pts/9901')).toEqual({ Pidfds: true, Outcomes: [{ Target: { SessionId: leader }, Item: null, Error: null }] });
    expect(isGone(hers)).toBe(true);
    expect(await waitFor(() => isGone(leader), 2_000)).toBe(true);
  });

  it("a process of hers that becomes root's after SIGHUP: SIGTERM is refused, and the answer is AccessDenied", async (ctx) => {
    const child = spawn(rootOnHangup, [], { uid: NOBODY, gid: NOBODY, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const leader = child.pid!;
    adopt(leader);
    const ready = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`root-on-hangup exited early (${code})`)));
    });
    child.stdout!.destroy();
    child.unref();
    // A file system mounted nosuid leaves it nobody's: nothing to test there.
    if (ready !== 'ready 0') ctx.skip();
    expect(uidOf(leader)).toBe(NOBODY);
    expect(logoffAsNobody(leader, 'nobody', 'pts/9902')).toEqual({ Pidfds: true, Outcomes: [accessDenied(leader, 'nobody on pts/9902', 'nobody')] });
    expect(isGone(leader)).toBe(false);
    expect(uidOf(leader)).toBe(0);
  });
});
