/**
 * The Linux backend where a security module refuses it other processes' /proc files (EACCES), as
 * SELinux and AppArmor policies can: here Landlock (c/landlock-exec.c), which leaves it everything
 * to read but /proc, where it keeps its own /proc/<pid> and /proc/uptime. As under hidepid, it then
 * knows a session's leader only from kill(pid, 0): it lists that session by its recorded pid alone,
 * and logs it off. Skipped where the kernel has no Landlock.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleWithKoffi } from './as-user.ts';
import { buildTestProgram, buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('the Linux backend refused /proc by a security module (Landlock)', () => {
  let dir: string;
  let writer: string;
  let landlockExec: string;
  let script: string;
  /** What the backend may read: every top folder but /proc, and /proc/uptime (the boot time). */
  const readable = [...readdirSync('/').filter((name) => name !== 'proc').map((name) => `/${name}`), '/proc/uptime'];

  beforeAll(() => {
    dir = makeTempDir('st-proc-landlock-');
    chmodSync(dir, 0o755);
    writer = buildUtmpWriter(dir);
    landlockExec = buildTestProgram('landlock-exec', dir);
    script = bundleWithKoffi(join(here, 'fixtures', 'list-and-logoff.ts'), dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  it("lists a session whose leader's /proc files it is refused (EACCES) by its pid alone, and logs it off", async (ctx) => {
    const leader = await startLeader();
    // Exit 3: this kernel has no Landlock.
    const probe = spawnSync(landlockExec, [...readable, '--', 'cat', `/proc/${leader}/stat`], { encoding: 'utf8' });
    if (probe.status === 3) ctx.skip();
    expect([probe.status, probe.stderr]).toEqual([1, `cat: /proc/${leader}/stat: Permission denied\n`]);
    const utmp = join(dir, 'utmp');
    const loginMs = Date.now();
    writeUtmp(writer, utmp, [{ pid: leader, line: 'pts/9932', user: 'root', loginMs }]);
    const out = execFileSync(landlockExec, [...readable, '--', process.execPath, script, utmp, String(leader)], { cwd: dirname(script), encoding: 'utf8' });
    const { Sessions, Outcomes } = JSON.parse(out) as { Sessions: Record<string, unknown>[]; Outcomes: Record<string, unknown>[] };
    expect(Sessions.map((s) => [s.SessionId, s.UserName, s.SessionName, s.LogonTime])).toEqual([[leader, 'root', 'pts/9932', new Date(loginMs).toISOString()]]);
    expect(Outcomes).toEqual([{ Target: { SessionId: leader }, Item: null, Error: null }]);
    expect(await waitFor(() => isGone(leader), 2_000)).toBe(true);
  });
});
