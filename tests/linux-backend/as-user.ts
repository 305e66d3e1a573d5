/**
 * Test support for running the Linux backend as another user (uid 65534, nobody) with pidfds, as
 * the helper runs it: a script bundled from the sources (support.ts bundleScript) with koffi copied
 * beside it. koffi is loaded at run time from node_modules (libc.ts), which a bundle in a temporary
 * directory does not otherwise find: without it the backend there takes the kill() path. Also
 * under a /proc of its own, mounted with hidepid.
 */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionOutcome } from '../../src/backend/backend.ts';
import { bundleScript } from './support.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const NOBODY = 65534;

/**
 * bundleScript(), with node_modules/koffi and this platform's koffi binary package copied (not
 * linked: any user can read the copies wherever the checkout is) into the bundle's directory.
 */
export function bundleWithKoffi(entry: string, dir: string): string {
  const script = bundleScript(entry, dir);
  for (const pkg of ['koffi', `@koromix/koffi-${process.platform}-${process.arch}`]) {
    cpSync(join(ROOT, 'node_modules', pkg), join(dirname(script), 'node_modules', pkg), { recursive: true, dereference: true });
  }
  return script;
}

/** Whether `tool` is on PATH. */
function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether runAsNobodyUnderHidepid() can run here: as root, with unshare, setpriv and mount. */
export const hidepidUsable = process.getuid?.() === 0 && ['unshare', 'setpriv', 'mount'].every(onPath);

/**
 * Runs `node script ...args` as nobody in a mount namespace of its own (unshare) whose /proc is
 * mounted with hidepid=`hidepid` (1: other users' /proc/<pid> files refused, 2: not even listed);
 * returns its stdout.
 */
export function runAsNobodyUnderHidepid(hidepid: 1 | 2, script: string, args: string[]): string {
  const mountThenDrop = `mount -t proc -o hidepid=${hidepid} proc /proc && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups -- "$@"`;
  return execFileSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', mountThenDrop, 'sh', process.execPath, script, ...args], {
    cwd: dirname(script),
    env: { ...process.env, HOME: '/tmp' },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

/** Runs `node script ...args` as nobody (uid and gid 65534) and returns its stdout. */
export function runAsNobody(script: string, args: string[]): string {
  return execFileSync(process.execPath, [script, ...args], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: dirname(script),
    env: { ...process.env, HOME: '/tmp' },
    encoding: 'utf8',
  });
}

/**
 * The outcome of a logoff of session `id` refused to a caller who may not signal its processes:
 * `where` as the message names the session ("user0 on pts/1", or "user user0" without a line),
 * `user` its recorded user, `caller` the user asking (her own session that holds root's
 * processes needs root, not her again).
 */
export function accessDenied(id: number, where: string, user: string, caller = 'nobody'): SessionOutcome {
  const why =
    caller === user
      ? "some of its processes belong to another user (root's login or sudo, for example), and only root (a process with CAP_KILL) may signal them. Run as root (sudo)."
      : `its processes belong to another user, and only root (a process with CAP_KILL) may signal them. Run as root (sudo), or as ${user}.`;
  return {
    Target: { SessionId: id },
    Item: null,
    Error: {
      ErrorId: 'AccessDenied',
      Message: `Permission denied to log off session ${id} (${where}): ${why}`,
      Target: id,
      ComputerName: hostname(),
    },
  };
}
