/**
 * The whole Windows stack in PowerShell: the generated cmdlets, the helper and the WTS backend
 * (koffi bindings and worker pool), loaded against the C test double of wtsapi32 through
 * SESSIONTOOLS_WTSAPI_PATH. What PowerShell shows must be what the fixture says, the mission line
 * must log off exactly the idle sessions, and a fan-out must survive dead hosts.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../linux-backend/support.ts';
import { IMPORT } from '../support/module.ts';
import { pwshObjects } from '../support/pwsh.ts';
import { buildDouble, leakedBuffers, readLog, toFileTime, writeFixture, type DoubleEvent, type FixtureServer } from './support/double.ts';

const ago = (ms: number): bigint => toFileTime(new Date(Date.now() - ms));
const MIN = 60_000;

let dir: string;
let env: Record<string, string>;
let fixture: string;
let log: string;

beforeAll(() => {
  dir = makeTempDir('st-wts-ps-');
  fixture = join(dir, 'fixture');
  log = join(dir, 'log');
  env = { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture, WTSDOUBLE_LOG: log };
});
afterAll(() => removeDir(dir));
// Each test reads only its own events from the double's log.
beforeEach(() => rmSync(log, { force: true }));

function local(): FixtureServer {
  return {
    name: '.',
    sessions: [
      { id: 0, state: 'Disconnected', winStation: 'Services' },
      { id: 1, state: 'Active', winStation: 'Console', user: 'admin', domain: 'CONTOSO', logon: ago(300 * MIN), connect: ago(300 * MIN), lastInput: ago(5 * MIN), locked: 0, protocol: 0 },
      {
        id: 2, state: 'Active', winStation: 'RDP-Tcp#3', user: 'b\u{1F600}b', domain: 'CONTOSO', clientName: 'WS-\u{1F600}', address: '2001:db8::5',
        logon: ago(120 * MIN), connect: ago(100 * MIN), lastInput: ago(45 * MIN), locked: 1, protocol: 2,
      },
      {
        id: 3, state: 'Disconnected', winStation: '', user: 'jdoe', domain: 'CONTOSO', clientName: 'LAPTOP7', address: '192.0.2.44',
        logon: ago(600 * MIN), connect: ago(500 * MIN), disconnect: ago(130 * MIN), locked: -1, protocol: 2,
      },
      { id: 4, state: 'Active', winStation: 'RDP-Tcp#5', user: 'fresh', domain: 'CONTOSO', clientName: 'WS-9', address: '198.51.100.9', lastInput: ago(10_000), protocol: 2 },
      { id: 65536, state: 'Listen', winStation: 'RDP-Tcp' },
    ],
  };
}

const ps = (script: string, timeoutMs = 60_000) => pwshObjects(`${IMPORT}\n${script}`, { env, timeoutMs });
const events = (): DoubleEvent[] => readLog(log);

describe('Get-UserSession against wtsapi32 (the double)', () => {
  it('shows every field as the fixture says, hiding session 0 and the listener', async () => {
    writeFixture(fixture, [local()]);
    const out = (await ps('Get-UserSession')) as Record<string, unknown>[];
    expect(out.map((o) => o.SessionId)).toEqual([1, 2, 3, 4]);
    const [con, rdp, disc, fresh] = out as Record<string, unknown>[];
    expect(rdp).toMatchObject({
      UserName: 'b\u{1F600}b', Domain: 'CONTOSO', SessionName: 'RDP-Tcp#3', State: 'Active',
      ClientName: 'WS-\u{1F600}', ClientAddress: '2001:db8::5', IsLocked: true, Protocol: 'RDP', DisconnectTime: null,
    });
    expect((rdp?.Idle as { $string: string }).$string).toBe('45m');
    expect(Math.abs((rdp?.LogonTime as Date).getTime() - (Date.now() - 120 * MIN))).toBeLessThan(10_000);
    expect(con).toMatchObject({ UserName: 'admin', SessionName: 'Console', IsLocked: false, Protocol: 'Console', ClientAddress: null });
    // A disconnected session is idle since it was disconnected; it never had input recorded.
    expect(disc).toMatchObject({ State: 'Disconnected', LastInputTime: null, IsLocked: null, ClientAddress: '192.0.2.44' });
    expect((disc?.Idle as { $string: string }).$string).toBe('2h10m');
    // Zero FILETIMEs are "never": null, not 1601.
    expect(fresh).toMatchObject({ LogonTime: null, ConnectTime: null, DisconnectTime: null });
    expect(leakedBuffers(events())).toEqual([]);
  });

  it('-IncludeSystem adds the services session and the listener', async () => {
    writeFixture(fixture, [local()]);
    expect(await ps('(Get-UserSession -IncludeSystem).SessionId')).toEqual([0, 1, 2, 3, 4, 65536]);
  });
});

describe('actions against wtsapi32 (the double)', () => {
  it('the mission line logs off exactly the sessions idle for more than 30 minutes', async () => {
    writeFixture(fixture, [local()]);
    // One PowerShell: the double keeps what logoff did for as long as its process (the helper) lives.
    const left = await ps('Get-UserSession | Where Idle -gt 30m | Stop-UserSession -Force\n(Get-UserSession).SessionId');
    const logoffs = events().filter((e) => e.event === 'logoff');
    expect(logoffs.map((e) => (e as { session: number }).session).sort()).toEqual([2, 3]);
    expect(left).toEqual([1, 4]);
    expect(leakedBuffers(events())).toEqual([]);
  });

  it('Disconnect-UserSession -Wait passes bWait and -PassThru returns the final state', async () => {
    writeFixture(fixture, [local()]);
    const [o] = (await ps('Disconnect-UserSession -Id 4 -Wait -PassThru -Confirm:$false')) as Record<string, unknown>[];
    expect(o).toMatchObject({ SessionId: 4, State: 'Disconnected' });
    const d = events().filter((e) => e.event === 'disconnect');
    expect(d).toEqual([expect.objectContaining({ session: 4, wait: 1, ok: true })]);
  });

  it('a session that is gone is ObjectNotFound; a refused one is PermissionDenied with what to do', async () => {
    const server = local();
    server.sessions[3] = { ...server.sessions[3]!, deny: ['logoff'] };
    writeFixture(fixture, [server]);
    const out = await ps(`
Stop-UserSession -Id 99, 3, 4 -Force -ErrorVariable ev -ErrorAction SilentlyContinue
foreach ($e in $ev) { [pscustomobject] @{ Id = $e.FullyQualifiedErrorId; Category = [string] $e.CategoryInfo.Category; Action = $e.ErrorDetails.RecommendedAction } }`);
    expect(out).toEqual([
      expect.objectContaining({ Id: 'SessionNotFound,Stop-UserSession', Category: 'ObjectNotFound' }),
      expect.objectContaining({ Id: 'AccessDenied,Stop-UserSession', Category: 'PermissionDenied', Action: expect.stringContaining('elevated') }),
    ]);
    expect(events().filter((e) => e.event === 'logoff' && (e as { ok: boolean }).ok).map((e) => (e as { session: number }).session)).toEqual([4]);
  });
});

describe('many computers at once', () => {
  it('200 hosts, 10 of them dead: every live host answers, one error per dead host, within the timeout', async () => {
    const servers: FixtureServer[] = [];
    for (let i = 0; i < 200; i++) {
      const name = `srv${String(i).padStart(3, '0')}`;
      const dead = i % 20 === 7;
      servers.push({
        name,
        // Half of the dead hosts hang (a machine that is off: RPC waits), half refuse at once.
        ...(dead ? (i % 40 === 7 ? { latencyMs: 60_000 } : { fail: 1722 }) : { latencyMs: 50 }),
        sessions: [{ id: 2, state: 'Active', winStation: 'RDP-Tcp#1', user: `u${i}`, domain: 'CONTOSO', lastInput: ago(MIN), protocol: 2 }],
      });
    }
    writeFixture(fixture, servers);
    const names = servers.map((s) => `'${s.name}'`).join(',');
    const [o] = (await ps(`
$w = [System.Diagnostics.Stopwatch]::StartNew()
$s = @(${names} | Get-UserSession -TimeoutSec 3 -ErrorVariable ev -ErrorAction SilentlyContinue)
[pscustomobject] @{
  Ms = $w.ElapsedMilliseconds
  Computers = [string[]] @($s | ForEach-Object ComputerName)
  Errors = [string[]] @($ev | ForEach-Object { $_.FullyQualifiedErrorId + ' ' + $_.TargetObject })
}`, 120_000)) as { Ms: number; Computers: string[]; Errors: string[] }[];
    const dead = servers.filter((s) => s.fail !== undefined || s.latencyMs === 60_000).map((s) => s.name);
    const live = servers.map((s) => s.name).filter((n) => !dead.includes(n));
    expect(dead).toHaveLength(10);
    expect([...o!.Computers].sort()).toEqual(live);
    expect([...o!.Errors].sort()).toEqual(
      dead.map((n) => (servers.find((s) => s.name === n)!.fail ? `ComputerUnreachable,Get-UserSession ${n}` : `ComputerTimeout,Get-UserSession ${n}`)).sort(),
    );
    expect(o!.Ms).toBeLessThan(3_000 + 4_000);
  });
});
