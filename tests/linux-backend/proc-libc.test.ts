/**
 * The C library the backend calls through koffi (src/backend/linux/libc.ts): the one the process
 * already runs on, by the path /proc/self/maps shows for it, never searched for. Each case runs a
 * process of its own on a copy of this machine's C library that the test names and places
 * (LD_LIBRARY_PATH): under the name glibc gave it before 2.34 (libc-2.31.so, Debian 11), and
 * replaced on disk after it was loaded, as an upgrade of the C library does while a helper runs.
 * And the functions a C library lacks (glibc before 2.36 has no pidfd_open): none of them.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cFunctions } from '../../src/backend/linux/libc.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { bundleWithKoffi } from './as-user.ts';
import { makeTempDir, removeDir } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** This process's C library, as /proc/self/maps names it (glibc's libc.so.6 here). */
function ownLibc(): string {
  const line = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .find((l) => /\/libc[-.][^/]*$/.test(l));
  if (line === undefined) throw new Error('no C library in /proc/self/maps');
  return realpathSync(line.slice(line.indexOf('/')));
}

interface Loaded {
  Mapped: string[];
  Libc: boolean;
  Pidfd: boolean;
}

describe.skipIf(pidfds() === null)('the C library, found where the process loaded it', () => {
  let dir: string;
  let script: string;
  let libs = 0;

  beforeAll(() => {
    dir = makeTempDir('st-proc-libc-');
    chmodSync(dir, 0o755);
    script = bundleWithKoffi(join(here, 'fixtures', 'libc-load.ts'), dir);
  });
  afterAll(() => removeDir(dir));

  /** A directory holding a copy of the C library as `name`, with libc.so.6 naming it (as glibc's packages link it). */
  function libraryAs(name: string, folder = 'lib'): { lib: string; file: string } {
    const lib = join(dir, `${folder}-${++libs}`);
    mkdirSync(lib);
    const file = join(lib, name);
    copyFileSync(ownLibc(), file);
    symlinkSync(name, join(lib, 'libc.so.6'));
    return { lib, file };
  }

  /** Runs the fixture on the C library of `lib`; `meanwhile` runs once it has started, before it loads anything. */
  function run(lib: string, meanwhile?: () => void): Promise<Loaded> {
    const child = spawn(process.execPath, meanwhile === undefined ? [script] : [script, 'wait'], {
      cwd: dirname(script),
      env: { ...process.env, LD_LIBRARY_PATH: lib },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (meanwhile !== undefined && out === 'ready\n') {
        meanwhile();
        child.stdin!.end('go\n');
      }
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        const last = out.trim().split('\n').pop() ?? '';
        if (code !== 0) reject(new Error(`the fixture ended with ${code ?? signal}: ${out}`));
        else resolve(JSON.parse(last) as Loaded);
      });
    });
  }

  it('named as glibc before 2.34 names it (libc-2.31.so), in a directory of its own: loaded from there, and pidfds work', async () => {
    const { lib, file } = libraryAs('libc-2.31.so');
    expect(await run(lib)).toEqual({ Mapped: [file], Libc: true, Pidfd: true });
  });

  it('in a folder whose name is not ASCII (UTF-8, as file names are written here): loaded from there', async () => {
    const { lib, file } = libraryAs('libc-2.31.so', 'bibliothèque');
    expect(await run(lib)).toEqual({ Mapped: [file], Libc: true, Pidfd: true });
  });

  it('replaced on disk after the process loaded it (an upgrade while the helper runs): the new file is not loaded, and the backend goes without pidfds', async () => {
    const { lib, file } = libraryAs('libc-2.31.so');
    const loaded = await run(lib, () => {
      unlinkSync(file);
      copyFileSync(ownLibc(), file);
    });
    expect(loaded).toEqual({ Mapped: [`${file} (deleted)`], Libc: false, Pidfd: false });
  });

  it('a function the C library lacks: none of those asked for, and those it has are called', () => {
    expect(cFunctions({ getpid: 'int getpid()', missing: 'int sessiontools_no_such_function(int)' })).toBeNull();
    expect(cFunctions({ getpid: 'int getpid()', getppid: 'int getppid()' })?.fns.getpid()).toBe(process.pid);
  });
});
