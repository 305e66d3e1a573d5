/**
 * The epoll set of the shared wait (src/backend/linux/exit-watch.ts), asked directly, on real
 * processes held by pidfds, and checked against what the kernel shows of the set (its
 * /proc/self/fdinfo). The shared wait polls every pidfd the set did not take, or could not be
 * made for (waiter.ts), with the same outcomes: a set that takes nothing, or answers wrongly, shows
 * in no log-off's outcome, only here.
 */
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWatch } from '../../src/backend/linux/exit-watch.ts';
import { pidfds } from '../../src/backend/linux/pidfd.ts';
import { startLeader, stopAll } from './support.ts';
import { epollEntriesOf, epollWatched, killAllNow, startSleepers } from './wait-support.ts';

const opened: number[] = [];
afterEach(() => {
  stopAll();
  for (const fd of opened.splice(0)) pidfds()?.close(fd);
});

/** A pidfd of the live process `pid`, closed after the test. */
function pidfdOf(pid: number): number {
  const fd = pidfds()!.open(pid);
  if (fd === null) throw new Error(`pid ${pid} is gone`);
  opened.push(fd);
  return fd;
}

const byNumber = (a: number, b: number): number => a - b;

describe.skipIf(pidfds() === null)('the exit watch: one epoll set of pidfds', () => {
  it('is there wherever pidfds are: epoll_create1 (Linux 2.6.27, glibc 2.9) is older than pidfd_open (Linux 5.3, glibc 2.36)', () => {
    expect(exitWatch()).not.toBeNull();
  });

  it('takes a live process: the kernel lists its pidfd in the set, with the pidfd as its data; answers nothing while it lives, the pidfd once it has exited, and nothing after', async () => {
    const watch = exitWatch()!;
    const pid = await startLeader('plain');
    const fd = pidfdOf(pid);
    expect(watch.add(fd)).toBe(true);
    expect(epollEntriesOf(fd)).toEqual([{ set: expect.any(Number), data: BigInt(fd) }]);
    expect(watch.exited()).toEqual([]);

    killAllNow([pid]);
    expect(watch.exited()).toEqual([fd]);
    expect(epollEntriesOf(fd)).toEqual([]);
    expect(watch.exited()).toEqual([]);
  });

  it('refuses a descriptor epoll cannot watch (a regular file: EPERM), and the set does not list it', () => {
    const file = openSync(fileURLToPath(import.meta.url), 'r');
    try {
      expect(exitWatch()!.add(file)).toBe(false);
      expect(epollEntriesOf(file)).toEqual([]);
    } finally {
      closeSync(file);
    }
  });

  it('remove(): a pidfd taken out of the set is no longer listed, nor answered once its process has exited', async () => {
    const watch = exitWatch()!;
    const pid = await startLeader('plain');
    const fd = pidfdOf(pid);
    expect(watch.add(fd)).toBe(true);
    watch.remove(fd);
    expect(epollEntriesOf(fd)).toEqual([]);
    killAllNow([pid]);
    expect(watch.exited()).toEqual([]);
  });

  it('512 processes that exited together, twice as many as one epoll_wait() returns (MAX_EVENTS, 256): one exited() answers each pidfd, once', () => {
    const watch = exitWatch()!;
    const pids = startSleepers(512);
    const fds = pids.map(pidfdOf);
    expect(fds.filter((fd) => !watch.add(fd))).toEqual([]);
    killAllNow(pids);
    expect(watch.exited().sort(byNumber)).toEqual([...fds].sort(byNumber));
    expect(watch.exited()).toEqual([]);
    const watched = epollWatched();
    expect(fds.filter((fd) => watched.has(fd))).toEqual([]);
  });
});
