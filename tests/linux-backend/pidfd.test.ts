/**
 * The pidfd calls (src/backend/linux/pidfd.ts) against the kernel, on real processes: what open,
 * signal, exited and close answer for a live process, a zombie (exited, not reaped) and a process
 * that has exited and been reaped, and the errors they throw, with their errno. A log-off reaches
 * open and signal on every process it ends; exited() is the fallback of the shared wait
 * (waiter.ts) where the epoll set of exit-watch.ts cannot be had. Signalling another user's
 * process ('denied') needs a caller that is not root: logoff-as-user.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { pidfds, type Pidfds } from '../../src/backend/linux/pidfd.ts';
import { adopt, deadPid, startLeader, stopAll, waitFor } from './support.ts';

const EINVAL = 22;

/** Descriptors this file opened, closed after each test (by number, once). */
const opened = new Set<number>();

afterEach(() => {
  for (const fd of opened) pidfds()?.close(fd);
  opened.clear();
  stopAll();
});

function open(fds: Pidfds, pid: number): number {
  const fd = fds.open(pid);
  if (fd === null) throw new Error(`pid ${pid} is gone`);
  opened.add(fd);
  return fd;
}

/** What `f` threw (the test fails when it throws nothing). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('it did not throw');
}

const state = (pid: number): string | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
};

/** A process that has exited and that no one reaps: its parent, `sleep` (sh exec'd), never waits; stopAll() ends the parent. */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 600'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  adopt(parent.pid!);
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('exit', (code) => reject(new Error(`sh exited early (${code})`)));
  });
  parent.stdout!.destroy();
  parent.unref();
  if (!(await waitFor(() => state(pid) === 'Z', 5_000))) throw new Error(`pid ${pid} did not become a zombie`);
  return pid;
}

/** A live process held by a pidfd, then killed and reaped: the pidfd outlives its process. */
async function reapedHeld(fds: Pidfds): Promise<number> {
  const pid = await startLeader();
  const fd = open(fds, pid);
  process.kill(pid, 'SIGKILL');
  if (!(await waitFor(() => !existsSync(`/proc/${pid}`), 5_000))) throw new Error(`pid ${pid} was not reaped`);
  return fd;
}

describe.skipIf(pidfds() === null)('pidfds, on real processes', () => {
  const fds = pidfds()!;

  it('open: a pidfd of a live process; null for a pid that no longer exists; an invalid pid throws with its errno', async () => {
    const fd = open(fds, await startLeader());
    expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe('anon_inode:[pidfd]');
    expect(fds.open(await deadPid())).toBeNull();
    expect(thrown(() => fds.open(-1))).toMatchObject({ message: `pidfd_open(-1) failed with errno ${EINVAL}`, errno: EINVAL });
  });

  it("signal: 'sent' to a live process (signal 0 only checks); 'ended' once it has exited and been reaped; an invalid signal throws with its errno", async () => {
    const pid = await startLeader();
    const fd = open(fds, pid);
    expect(fds.signal(fd, 0)).toBe('sent');
    expect(state(pid)).not.toBeNull(); // signal 0 sent nothing
    expect(thrown(() => fds.signal(fd, 1_000))).toMatchObject({ message: `pidfd_send_signal failed with errno ${EINVAL}`, errno: EINVAL });
    expect(fds.signal(fd, constants.signals.SIGKILL)).toBe('sent');
    expect(await waitFor(() => !existsSync(`/proc/${pid}`), 5_000)).toBe(true);
    expect(fds.signal(fd, constants.signals.SIGTERM)).toBe('ended');
  });

  it('exited: of the pidfds given, those of a zombie and of a reaped process, not of a live one; none given, none', async () => {
    const live = open(fds, await startLeader());
    const zombieFd = open(fds, await zombie());
    const reapedFd = await reapedHeld(fds);
    const live2 = open(fds, await startLeader());
    expect(fds.exited([live, zombieFd, reapedFd, live2])).toEqual(new Set([zombieFd, reapedFd]));
    expect(fds.exited([live, live2])).toEqual(new Set());
    expect(fds.exited([])).toEqual(new Set());
  });

  it('close: the pidfd is closed', async () => {
    const fd = open(fds, await startLeader());
    fds.close(fd);
    opened.delete(fd);
    // Unless this process has opened another descriptor with that number since.
    const now = existsSync(`/proc/self/fd/${fd}`) ? readlinkSync(`/proc/self/fd/${fd}`) : null;
    expect(now).not.toBe('anon_inode:[pidfd]');
  });
});
