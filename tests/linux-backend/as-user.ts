/**
 * Test support for running the Linux backend as another user (uid 65534, nobody) with pidfds, as
 * the helper runs it: a script bundled from the sources (support.ts bundleScript) with koffi copied
 * beside it. koffi is loaded at run time from node_modules (libc.ts), which a bundle in a temporary
 * directory does not otherwise find: without it the backend there takes the kill() path.
 */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
