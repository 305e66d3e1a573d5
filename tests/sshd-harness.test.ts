import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning, procStat, sshdAvailability, startSshd, type SshdHarness, type SshSession } from './support/sshd.ts';
import { USER_PROCESS, readUtmp } from './support/utmp-peek.ts';

const avail = sshdAvailability(); // throws under CI=true when it cannot run
if (!avail.ok) console.warn(`sshd harness tests skipped: ${avail.reason}`);

/** Running (non-zombie) processes whose command line mentions `needle`. */
function processesMentioning(needle: string): string[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .flatMap((n) => {
      try {
        const cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.includes(needle) && isRunning(Number(n)) ? [`${n}: ${cmd}`] : [];
      } catch {
        return [];
      }
    });
}

const liveRecord = (s: SshSession) =>
  readUtmp().find((e) => e.type === USER_PROCESS && e.pid === s.leaderPid && e.line === s.tty);

describe.skipIf(!avail.ok)('sshd harness (real login sessions)', () => {
  let h: SshdHarness | undefined;
  afterAll(async () => {
    await h?.stop();
  });

  it('opens sessions, ages one, ends one by SIGHUP to its utmp pid, and stops cleanly', async () => {
    h = await startSshd();
    const { dir, sshdPid } = h;
    expect(h.users).toEqual(['st-alice', 'st-bob']);
    expect(isRunning(sshdPid)).toBe(true);

    const alice = await h.open('st-alice');
    const bob = await h.open('st-bob');

    // Two live USER_PROCESS records: right users, distinct ttys, from 127.0.0.1.
    const ra = liveRecord(alice);
    const rb = liveRecord(bob);
    expect(ra).toMatchObject({ user: 'st-alice', host: '127.0.0.1', addr: '127.0.0.1' });
    expect(rb).toMatchObject({ user: 'st-bob', host: '127.0.0.1', addr: '127.0.0.1' });
    expect(alice.tty).toMatch(/^pts\/\d+$/);
    expect(bob.tty).not.toBe(alice.tty);
    expect(Math.abs(alice.loginTime.getTime() - Date.now())).toBeLessThan(60_000);

    // ut_pid is the root "sshd: <user> [priv]" monitor, a child of our listener; the shell sits below it.
    for (const s of [alice, bob]) {
      expect(s.isAlive()).toBe(true);
      expect(isRunning(s.leaderPid)).toBe(true);
      expect(procStat(s.leaderPid)?.ppid).toBe(sshdPid);
      expect(readFileSync(`/proc/${s.leaderPid}/cmdline`, 'utf8')).toContain(`sshd: ${s.user} [priv]`);
      expect(statSync(`/proc/${s.leaderPid}`).uid).toBe(0);
      expect(procStat(procStat(s.shellPid)!.ppid)?.ppid).toBe(s.leaderPid);
      expect(s.output()).toMatch(/\$ $/);
    }

    // setIdle moves the tty's atime 45 minutes back and keeps its mtime.
    const mtimeBefore = statSync(`/dev/${alice.tty}`).mtimeMs;
    await h.setIdle(alice, 45);
    const st = statSync(`/dev/${alice.tty}`);
    expect((Date.now() - st.atimeMs) / 60_000).toBeGreaterThan(44.9);
    expect((Date.now() - st.atimeMs) / 60_000).toBeLessThan(45.5);
    expect(st.mtimeMs).toBeCloseTo(mtimeBefore, 0);
    await new Promise((r) => setTimeout(r, 500)); // an idle shell does not touch it again
    expect(statSync(`/dev/${alice.tty}`).atimeMs).toBe(st.atimeMs);

    // SIGHUP to bob's ut_pid ends bob's session (client exits, record dies); alice's stays.
    process.kill(bob.leaderPid, 'SIGHUP');
    const code = await Promise.race([bob.exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(code).toBe(255);
    expect(bob.isAlive()).toBe(false);
    await expect.poll(() => liveRecord(bob), { timeout: 10_000 }).toBeUndefined();
    await expect.poll(() => isRunning(bob.shellPid), { timeout: 10_000 }).toBe(false);
    expect(alice.isAlive()).toBe(true);
    expect(liveRecord(alice)).toBeDefined();

    // stop(): no harness process left, the records are dead, the temp dir is gone.
    const pids = [sshdPid, alice.clientPid, alice.leaderPid, alice.shellPid, bob.clientPid, bob.leaderPid];
    await h.stop();
    h = undefined;
    expect(pids.filter(isRunning)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    expect(liveRecord(alice)).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
    expect(await alice.exited).not.toBeUndefined();
  });

  it('close() ends a session and its utmp record; open() refuses unknown users', async () => {
    h = await startSshd({ users: ['st-alice'] });
    const s = await h.open('st-alice');
    expect(liveRecord(s)).toBeDefined();
    await s.close();
    expect(s.isAlive()).toBe(false);
    expect(liveRecord(s)).toBeUndefined();
    expect(isRunning(s.leaderPid)).toBe(false);
    await expect(h.open('st-bob')).rejects.toThrow(/not one of this harness's users/);
    await h.stop();
    h = undefined;
  });
});
