/**
 * Calls that do not end normally: Ctrl+C while Stop-UserSession -Wait waits for a session that
 * will not end, and a helper that dies in the middle of a call. Real processes lead the sessions
 * (one of them ignores SIGHUP and SIGTERM, so ending it takes the whole escalation), recorded in a
 * utmp file written with glibc's struct utmp.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from '../linux-backend/support.ts';
import { IMPORT } from '../support/module.ts';
import { pwshCommand, pwshObjects } from '../support/pwsh.ts';
import { spawnInPty, type PtyProcess } from '../support/pty.ts';

let dir: string;
let writer: string;
let utmp: string;
const ptys: PtyProcess[] = [];

beforeAll(() => {
  dir = makeTempDir('st-interrupted-');
  writer = buildUtmpWriter(dir);
  utmp = join(dir, 'utmp');
});
afterEach(() => {
  for (const p of ptys.splice(0)) p.kill('SIGKILL');
  stopAll();
});
afterAll(() => removeDir(dir));

/** A leader that ignores SIGHUP and SIGTERM: logging it off takes HUP, 2 s, TERM, 3 s, KILL. */
async function stubbornSession(): Promise<number> {
  const pid = await startLeader('ignoresHupAndTerm');
  writeUtmp(writer, utmp, [{ pid, line: 'pts/300', user: 'st-stubborn', loginMs: Date.now() }]);
  return pid;
}

/** Pids of running helpers started for this suite's utmp file (found through their environment). */
function helpersOfThisSuite(): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmdline.includes('helper.mjs')) continue;
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(`SESSIONTOOLS_UTMP_PATH=${utmp}`) && !isGone(Number(name))) {
        found.push(Number(name));
      }
    } catch {
      /* ended meanwhile, or not ours to read */
    }
  }
  return found;
}

describe('interrupted calls', () => {
  it('Ctrl+C stops the waiting at once, not the log off; the shell answers and the next call works', async () => {
    const pid = await stubbornSession();
    const cmd = pwshCommand();
    const shell = spawnInPty(cmd.file, [...cmd.args, '-NoLogo', '-NoProfile'], { env: { SESSIONTOOLS_UTMP_PATH: utmp } });
    ptys.push(shell);
    await shell.waitFor(/PS [^\r\n]*> $/, 30_000);
    shell.write(`${IMPORT}\r`);
    await shell.waitFor(/PS [^\r\n]*> $/, 30_000);
    shell.write('Stop-UserSession -Id ' + pid + ' -Force -Wait; "finished"\r');
    await waitFor(() => helpersOfThisSuite().length === 1, 10_000);
    await new Promise((r) => setTimeout(r, 700)); // inside the wait: HUP sent, TERM not yet
    const pressed = Date.now();
    shell.write('\x03');
    await shell.waitFor(/PS [^\r\n]*> $/, 5_000);
    expect(Date.now() - pressed).toBeLessThan(1_500);
    expect(shell.output()).not.toMatch(/\r\nfinished\r\n/); // the echo of the typed line holds the word too
    // The helper is no worse for it: the same one answers the next call (skipping the late answer
    // of the interrupted one)...
    const [helper] = helpersOfThisSuite();
    shell.write('@(Get-UserSession -UserName st-stubborn).Count\r');
    await shell.waitFor(/\r\n[01]\r\n[\s\S]*PS [^\r\n]*> $/, 15_000);
    expect(helpersOfThisSuite()).toEqual([helper]);
    // ...and it finishes the log off it was asked for: TERM, then KILL.
    expect(await waitFor(() => isGone(pid), 10_000)).toBe(true);
  });

  it('a helper that dies in the middle of an action: HelperExited, "nothing is known to have been done"', async () => {
    const pid = await stubbornSession();
    const killer = (async () => {
      await waitFor(() => helpersOfThisSuite().length === 1, 20_000);
      await new Promise((r) => setTimeout(r, 700));
      for (const h of helpersOfThisSuite()) process.kill(h, 'SIGKILL');
    })();
    const [o] = (await pwshObjects(`${IMPORT}
try { Stop-UserSession -Id ${pid} -Force -Wait -ErrorAction Stop; 'not reached' }
catch { [pscustomobject] @{ Id = $_.FullyQualifiedErrorId; Category = [string] $_.CategoryInfo.Category; Message = $_.Exception.Message } }
[pscustomobject] @{ After = (Get-UserSession -Id ${pid}).UserName }`, { env: { SESSIONTOOLS_UTMP_PATH: utmp } })) as Record<string, string>[];
    await killer;
    expect(o).toMatchObject({ Id: 'HelperExited,Stop-UserSession', Category: 'ConnectionError' });
    expect(o?.Message).toContain('Nothing is known to have been done.');
  });
});
