/**
 * The Linux backend where /proc hides other users' processes (mounted with hidepid=2, as hardened
 * systems do): an unprivileged caller cannot read another user's /proc/<pid>/stat, so it knows
 * that user's session leader only from kill(pid, 0) answering EPERM. It still lists the session,
 * is refused its logoff (AccessDenied, the leader untouched), and logs off its own session.
 *
 * The caller runs in a mount namespace of its own (unshare) with such a /proc, as uid 65534
 * (setpriv); root only.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildUtmpWriter, bundleScript, isGone, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const NOBODY = 65534;
const usable = process.getuid?.() === 0 && ['unshare', 'setpriv', 'mount'].every((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

describe.skipIf(!usable)('Linux backend under /proc mounted with hidepid=2, as an unprivileged caller', () => {
  let dir: string;
  let writer: string;
  const own: number[] = [];

  beforeAll(() => {
    dir = makeTempDir('st-hidepid-');
    chmodSync(dir, 0o755);
    writer = buildUtmpWriter(dir);
  });
  afterEach(() => {
    stopAll();
    for (const pid of own.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  afterAll(() => removeDir(dir));

  it("lists another user's session, is refused its logoff, and logs off its own", async () => {
    const roots = await startLeader();
    const nobodys = spawn('sleep', ['600'], { uid: NOBODY, gid: NOBODY, detached: true, stdio: 'ignore' });
    nobodys.unref();
    own.push(nobodys.pid!);
    const loginMs = Date.now();
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [
      { pid: roots, line: 'pts/81', user: 'root', loginMs },
      { pid: nobodys.pid!, line: 'pts/82', user: 'nobody', loginMs },
    ]);
    chmodSync(utmp, 0o644);
    const script = bundleScript(join(here, 'fixtures', 'list-and-logoff.ts'), dir);
    const out = execFileSync(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'sh', '-c',
        `mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups -- "$@"`,
        'sh', process.execPath, script, utmp, String(roots), String(nobodys.pid)],
      { cwd: dirname(script), env: { ...process.env, HOME: '/tmp' }, encoding: 'utf8', timeout: 30_000 },
    );
    const { Sessions, Outcomes } = JSON.parse(out) as { Sessions: Record<string, unknown>[]; Outcomes: Record<string, unknown>[] };
    const host = hostname();
    expect(Sessions.map((s) => [s.SessionId, s.UserName, s.SessionName, s.State, s.LogonTime])).toEqual([
      [roots, 'root', 'pts/81', 'Active', new Date(loginMs).toISOString()],
      [nobodys.pid, 'nobody', 'pts/82', 'Active', new Date(loginMs).toISOString()],
    ]);
    expect(Outcomes).toEqual([
      {
        Target: { SessionId: roots },
        Item: null,
        Error: {
          ErrorId: 'AccessDenied',
          Message:
            `Permission denied to log off session ${roots} (root on pts/81): its processes belong to another user, ` +
            'and only root (a process with CAP_KILL) may signal them. Run as root (sudo), or as root.',
          Target: roots,
          ComputerName: host,
        },
      },
      { Target: { SessionId: nobodys.pid }, Item: null, Error: null },
    ]);
    expect(isGone(roots)).toBe(false);
    expect(await waitFor(() => isGone(nobodys.pid!), 2_000)).toBe(true);
  });
});
