/**
 * One test process at a time may create and end real login sessions on this machine: the mission
 * line (`Get-UserSession | Where Idle -gt 30m | Stop-UserSession`) acts on every idle session of the
 * machine, so suites that open sessions must not overlap. A lock directory (mkdir is atomic) names
 * its owner's pid; a lock whose owner is dead is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'sessiontools-real-sessions.lock');
const OWNER = join(LOCK, 'owner');

function ownerAlive(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(OWNER, 'utf8'));
  } catch {
    return true; // being created right now: treat as held
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireSessionLock(timeoutMs = 10 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  let staleSince: number | null = null;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(OWNER, String(process.pid));
      const release = (): void => {
        try {
          if (readFileSync(OWNER, 'utf8') === String(process.pid)) rmSync(LOCK, { recursive: true, force: true });
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (!ownerAlive()) {
      // Give a just-created lock a moment to get its owner file before calling it stale.
      staleSince ??= Date.now();
      if (Date.now() - staleSince > 500) rmSync(LOCK, { recursive: true, force: true });
    } else {
      staleSince = null;
    }
    if (Date.now() > deadline) throw new Error(`another test process holds ${LOCK} for more than ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
