/**
 * The Linux backend, with pidfds, where /proc is mounted with hidepid=1 (noaccess): every
 * /proc/<pid> is listed, but another user's files are refused (EPERM, proc(5)), and so are the
 * files of the caller's own processes that are not dumpable (ssh-agent, su, a process that changed
 * its credentials), which she may still signal. Both sessions are known by their recorded pid
 * alone; another user's logoff is refused (AccessDenied, the leader untouched) and her own, led by
 * a process /proc hides from her, is logged off. (hidepid=2 with the kill() path: hidepid.test.ts.)
 *
 * The caller runs in a mount namespace of its own with such a /proc, as uid 65534 (as-user.ts
 * runAsNobodyUnderHidepid); root only.
 */
import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accessDenied, bundleWithKoffi, hidepidUsable, NOBODY, runAsNobodyUnderHidepid } from './as-user.ts';
import { adopt, buildTestProgram, buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
describe.skipIf(!hidepidUsable)('Linux backend under /proc mounted with hidepid=1, as an unprivileged caller with pidfds', () => {
  let dir: string;
  let writer: string;
  let nonDumpable: string;

  beforeAll(() => {
    dir = makeTempDir('st-hidepid-noaccess-');
    chmodSync(dir, 0o755);
    writer = buildUtmpWriter(dir);
    nonDumpable = buildTestProgram('non-dumpable', dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  /** Her session's leader: a process of nobody's that is not dumpable. */
  async function startHers(): Promise<number> {
    const child = spawn(nonDumpable, [], { uid: NOBODY, gid: NOBODY, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    adopt(child.pid!);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`non-dumpable exited early (${code})`)));
    });
    child.stdout!.destroy();
    child.unref();
    return child.pid!;
  }

  it("lists both sessions by pid alone, is refused root's logoff, and logs off its own though /proc hides its leader from it", async () => {
    const roots = await startLeader();
    const hers = await startHers();
    const loginMs = Date.now();
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [
      { pid: roots, line: 'pts/83', user: 'root', loginMs },
      { pid: hers, line: 'pts/84', user: 'nobody', loginMs },
    ]);
    chmodSync(utmp, 0o644);
    const script = bundleWithKoffi(join(here, 'fixtures', 'list-and-logoff.ts'), dir);
    const out = runAsNobodyUnderHidepid(1, script, [utmp, String(roots), String(hers)]);
    const { Sessions, Outcomes } = JSON.parse(out) as { Sessions: Record<string, unknown>[]; Outcomes: Record<string, unknown>[] };
    expect(Sessions.map((s) => [s.SessionId, s.UserName, s.SessionName])).toEqual([
      [roots, 'root', 'pts/83'],
      [hers, 'nobody', 'pts/84'],
    ]);
    expect(Outcomes).toEqual([accessDenied(roots, 'root on pts/83', 'root'), { Target: { SessionId: hers }, Item: null, Error: null }]);
    expect(isGone(roots)).toBe(false);
    expect(await waitFor(() => isGone(hers), 2_000)).toBe(true);
  });
});
