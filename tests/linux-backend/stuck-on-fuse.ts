/**
 * Test support: a process that SIGKILL does not end while its FUSE server runs (c/stuck-on-fuse.c:
 * it waits, uninterruptibly, for an answer the server never gives), and its end, by pid. Root only,
 * and /dev/fuse (`fuseUsable`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTestProgram, isGone, waitFor } from './support.ts';

export const fuseUsable = process.getuid?.() === 0 && existsSync('/dev/fuse') && readFileSync('/proc/filesystems', 'latin1').includes('\tfuse\n');

export interface Stuck {
  /** stuck-on-fuse itself, the FUSE server. */
  server: ChildProcess;
  /** The process stuck on it, in a session of its own. */
  pid: number;
}

/** Builds c/stuck-on-fuse into `dir` and starts it on a new mount point there; resolves once a process is stuck. */
export async function startStuck(dir: string): Promise<Stuck> {
  const mountpoint = join(dir, 'mnt');
  mkdirSync(mountpoint, { recursive: true });
  const server = spawn(buildTestProgram('stuck-on-fuse', dir), [mountpoint], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    server.stdout!.once('data', (d: Buffer) => resolve(Number(/^stuck (\d+)/.exec(d.toString())?.[1])));
    server.once('exit', (code) => reject(new Error(`stuck-on-fuse exited early (${code})`)));
  });
  return { server, pid };
}

/** Ends the server, then the stuck process (it goes on, and ends, once the connection is aborted); waits for it to be gone. */
export async function endStuck(stuck: Stuck | undefined): Promise<void> {
  if (stuck === undefined) return;
  for (const pid of [stuck.server.pid, stuck.pid]) {
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitFor(() => isGone(stuck.pid), 5_000);
}
