/**
 * The generated cmdlets in PowerShell, through the real helper and the real Linux backend, against
 * real processes that lead sessions recorded in a utmp file written with glibc's struct utmp
 * (SESSIONTOOLS_UTMP_PATH). The sshd suite does the same against real logins; this one covers the
 * helper's lifecycle, batching and every error path without needing root.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp, type RecordSpec } from '../linux-backend/support.ts';
import { IMPORT } from '../support/module.ts';
import { pwshObjects, runPwsh } from '../support/pwsh.ts';

let dir: string;
let writer: string;
let utmp: string;

beforeAll(() => {
  dir = makeTempDir('st-cmdlets-');
  writer = buildUtmpWriter(dir);
  utmp = join(dir, 'utmp');
});
afterEach(() => stopAll());
afterAll(() => removeDir(dir));

/** Starts `users.length` real leaders and records them as logins; returns their pids in order. */
async function sessions(users: string[]): Promise<number[]> {
  const pids = await Promise.all(users.map(() => startLeader('plain')));
  const records: RecordSpec[] = users.map((user, i) => ({
    pid: pids[i] as number,
    line: `pts/${200 + i}`,
    user,
    host: '192.0.2.7',
    addr: '192.0.2.7',
    loginMs: Date.now(), // after the leaders started: the backend refuses a leader younger than its login (pid reuse)
  }));
  writeUtmp(writer, utmp, records);
  return pids;
}

const env = (): Record<string, string> => ({ SESSIONTOOLS_UTMP_PATH: utmp });
const ps = (script: string, extra: Record<string, string> = {}) => pwshObjects(`${IMPORT}\n${script}`, { env: { ...env(), ...extra } });

/** Module-private state, read (not changed) from the module's own scope. */
const HELPER = `function HelperState { & (Get-Module SessionTools) { $h = $script:SessionToolsHelper; if ($null -ne $h) { [pscustomobject] @{ Pid = $h.Process.Id; NextId = $h.NextId; Exited = $h.Process.HasExited } } } }`;

describe('Get-UserSession', () => {
  it('writes SessionTools.UserSession objects with every property', async () => {
    const [pid] = await sessions(['st-ann']);
    const [s] = (await ps('Get-UserSession')) as Record<string, unknown>[];
    expect(s?.$types).toContain('SessionTools.UserSession');
    expect(s).toMatchObject({ SessionId: pid, UserName: 'st-ann', SessionName: 'pts/200', State: 'Active', Domain: null, Idle: null, ClientAddress: '192.0.2.7', ClientName: '192.0.2.7' });
    expect((s?.LogonTime as Date).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('filters by wildcard and literal user names and ids; literals that match nothing are ObjectNotFound', async () => {
    const [, bobPid] = await sessions(['st-ann', 'st-bob', 'st-carl']);
    const out = (await ps(`
(@(Get-UserSession -UserName 'st-[ab]*' | ForEach-Object UserName)) -join ','
(@(Get-UserSession -UserName ST-CARL | ForEach-Object UserName)) -join ','
(@(Get-UserSession -Id ${bobPid} | ForEach-Object UserName)) -join ','
@(Get-UserSession -UserName 'nobody*').Count
$null = Get-UserSession -UserName st-ann, st-zed -Id 999999 -ErrorVariable ev -ErrorAction SilentlyContinue
foreach ($e in $ev) { [pscustomobject] @{ Id = $e.FullyQualifiedErrorId; Category = [string] $e.CategoryInfo.Category; Target = $e.TargetObject } }`)) as unknown[];
    expect(out.slice(0, 4)).toEqual(['st-ann,st-bob', 'st-carl', 'st-bob', 0]);
    expect(out.slice(4)).toEqual([
      expect.objectContaining({ Id: 'SessionNotFound,Get-UserSession', Category: 'ObjectNotFound', Target: 999999 }),
      expect.objectContaining({ Id: 'UserNotFound,Get-UserSession', Category: 'ObjectNotFound', Target: 'st-zed' }),
    ]);
  });

  it('round-trips non-ASCII user names', async () => {
    await sessions(['j\u00fcrgen', '\u5c71\u7530']);
    expect(await ps('(@(Get-UserSession | ForEach-Object UserName)) -join ","')).toEqual(['j\u00fcrgen,\u5c71\u7530']);
  });
});

describe('Stop-UserSession', () => {
  it('logs off piped sessions in one batched call: initialize + list + logoff for 40 sessions', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `st-u${i}`);
    const pids = await sessions(users);
    const out = await ps(`${HELPER}
Get-UserSession | Stop-UserSession -Force -Wait
(HelperState).NextId - 1`);
    expect(out).toEqual([3]);
    expect(pids.every(isGone)).toBe(true);
  });

  it('binds by property name: any object with a SessionId', async () => {
    const [pid] = await sessions(['st-ann']);
    await ps(`[pscustomobject] @{ SessionId = ${pid} } | Stop-UserSession -Confirm:$false -Wait`);
    expect(isGone(pid as number)).toBe(true);
  });

  it('a missing session is ObjectNotFound and the others are still logged off', async () => {
    const [a, b] = await sessions(['st-ann', 'st-bob']);
    const out = await ps(`
Stop-UserSession -Id ${a}, 999999, ${b} -Confirm:$false -Wait -ErrorVariable ev -ErrorAction SilentlyContinue
foreach ($e in $ev) { [pscustomobject] @{ Id = $e.FullyQualifiedErrorId; Category = [string] $e.CategoryInfo.Category; Target = $e.TargetObject; Action = $e.ErrorDetails.RecommendedAction } }`);
    expect(out).toEqual([
      expect.objectContaining({ Id: 'SessionNotFound,Stop-UserSession', Category: 'ObjectNotFound', Target: 999999, Action: 'Run Get-UserSession to see the sessions that exist now.' }),
    ]);
    expect(isGone(a as number) && isGone(b as number)).toBe(true);
  });

  it('-ErrorAction Stop makes a failed session terminate the command', async () => {
    await sessions(['st-ann']);
    const out = await ps(`
try { Stop-UserSession -Id 999999 -Confirm:$false -ErrorAction Stop; 'not reached' } catch { $_.FullyQualifiedErrorId }`);
    expect(out).toEqual(['SessionNotFound,Stop-UserSession']);
  });

  it('-PassThru writes the sessions it acted on', async () => {
    const [pid] = await sessions(['st-ann']);
    const out = (await ps('Get-UserSession | Stop-UserSession -Force -PassThru')) as Record<string, unknown>[];
    expect(out.map((o) => o.SessionId)).toEqual([pid]);
    expect(out[0]?.$types).toContain('SessionTools.UserSession');
  });

  it('-WhatIf says what it would do and touches nothing (also with -Force)', async () => {
    const [pid] = await sessions(['st-ann']);
    const run = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', `${IMPORT}; Get-UserSession | Stop-UserSession -WhatIf -Force`], { env: env() });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`What if: Performing the operation "Log off" on target "session ${pid} (st-ann on pts/200) on`);
    await new Promise((r) => setTimeout(r, 300));
    expect(isGone(pid as number)).toBe(false);
  });

  it('never waits for an answer nobody can give: -NonInteractive fails at once and logs off nothing', async () => {
    const [pid] = await sessions(['st-ann']);
    const started = Date.now();
    const run = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', `${IMPORT}; Get-UserSession | Stop-UserSession`], { env: env(), timeoutMs: 30_000 });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.');
    expect(run.stderr).toContain('Nothing was done. Pass -Force or -Confirm:$false to act without asking.');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(isGone(pid as number)).toBe(false);
  });
});

describe('Disconnect-UserSession on Linux', () => {
  it('is NotImplemented for each session, which is left untouched', async () => {
    const [a, b] = await sessions(['st-ann', 'st-bob']);
    const out = await ps(`
Get-UserSession | Disconnect-UserSession -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
foreach ($e in $ev) { [pscustomobject] @{ Id = $e.FullyQualifiedErrorId; Category = [string] $e.CategoryInfo.Category; Target = $e.TargetObject.SessionId } }`);
    expect(out).toEqual([
      expect.objectContaining({ Id: 'NotSupportedOnPlatform,Disconnect-UserSession', Category: 'NotImplemented', Target: a }),
      expect.objectContaining({ Id: 'NotSupportedOnPlatform,Disconnect-UserSession', Category: 'NotImplemented', Target: b }),
    ]);
    expect(isGone(a as number) || isGone(b as number)).toBe(false);
  });
});

describe('the helper process', () => {
  it('starts on first use, not on import, and is reused for later calls', async () => {
    await sessions(['st-ann']);
    const out = (await ps(`${HELPER}
[bool] (HelperState)
$null = Get-UserSession; $first = (HelperState).Pid
$null = Get-UserSession; $second = (HelperState).Pid
$first -eq $second; $first -gt 0`)) as unknown[];
    expect(out).toEqual([false, true, true]);
  });

  it('a helper killed between two calls is replaced; the second call works', async () => {
    await sessions(['st-ann']);
    const out = (await ps(`${HELPER}
$null = Get-UserSession; $old = (HelperState).Pid
[System.Diagnostics.Process]::GetProcessById($old).Kill()
@(Get-UserSession).Count
(HelperState).Pid -ne $old`)) as unknown[];
    expect(out).toEqual([1, true]);
  });

  it('a helper that stops answering is a HelperTimeout after the timeout, and is replaced', async () => {
    await sessions(['st-ann']);
    const out = (await ps(`${HELPER}
$null = Get-UserSession; $old = (HelperState).Pid
$kill = [System.Diagnostics.Process]::Start('/bin/kill', "-STOP $old"); $kill.WaitForExit()
$watch = [System.Diagnostics.Stopwatch]::StartNew()
try { Get-UserSession -ErrorAction Stop } catch { [pscustomobject] @{ Id = $_.FullyQualifiedErrorId; Category = [string] $_.CategoryInfo.Category; Ms = $watch.ElapsedMilliseconds } }
try { [System.Diagnostics.Process]::GetProcessById($old).HasExited } catch { 'gone' }
@(Get-UserSession).Count`, { SESSIONTOOLS_RPC_TIMEOUT_SECONDS: '2' })) as Record<string, unknown>[];
    expect(out[0]).toMatchObject({ Id: 'HelperTimeout,Get-UserSession', Category: 'OperationTimeout' });
    expect(out[0]?.Ms as number).toBeGreaterThanOrEqual(1900);
    expect(out[0]?.Ms as number).toBeLessThan(6000);
    expect([true, 'gone']).toContain(out[1]);
    expect(out[2]).toBe(1);
  });

  it('Remove-Module stops the helper', async () => {
    await sessions(['st-ann']);
    const out = (await ps(`${HELPER}
$null = Get-UserSession; $p = [System.Diagnostics.Process]::GetProcessById((HelperState).Pid)
Remove-Module SessionTools
$p.WaitForExit(3000)`)) as unknown[];
    expect(out).toEqual([true]);
  });

  it('exits with PowerShell: no helper outlives the PowerShell that started it', async () => {
    await sessions(['st-ann']);
    const [pid] = (await ps(`${HELPER}
$null = Get-UserSession; (HelperState).Pid`)) as number[];
    expect(await waitFor(() => isGone(pid as number), 5_000)).toBe(true);
  });
});
