/**
 * A helper whose stdin cannot be read: with SESSIONTOOLS_HELPER_STDIO=fs (as under Wine) it reads
 * fd 0 itself, and a read that fails (here fd 0 is a directory: EISDIR) ends it with exit code 1
 * and the reason on stderr, instead of leaving it running with nobody able to reach it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HELPER_NODE, HELPER_SCRIPT, requireHelperBundle } from './support.ts';

let child: ChildProcess | null = null;
let dir: string | null = null;

afterEach(() => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  child = null;
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('the helper with a stdin it cannot read', () => {
  it('SESSIONTOOLS_HELPER_STDIO=fs: a failed read of fd 0 ends it with exit code 1 and the reason on stderr', async () => {
    requireHelperBundle();
    dir = mkdtempSync(join(tmpdir(), 'st-stdin-error-'));
    const stdin = openSync(dir, 'r');
    try {
      child = spawn(HELPER_NODE, [HELPER_SCRIPT], {
        stdio: [stdin, 'pipe', 'pipe'],
        env: { ...process.env, SESSIONTOOLS_HELPER_STDIO: 'fs', SESSIONTOOLS_UTMP_PATH: join(dir, 'utmp') },
      });
    } finally {
      closeSync(stdin);
    }
    const started = child;
    let stderr = '';
    let stdout = '';
    started.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    started.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 5_000);
      started.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
    expect(exit, `exit (null: still running 5 s after its read of fd 0 failed); stderr: ${stderr}`).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(/^stdin failed: EISDIR\b.*\n$/);
    expect(stdout).toBe('');
  });
});
