/**
 * The WTS backend's sessions.processes and sessions.lock against the C test double (its workers
 * load the double as SESSIONTOOLS_WTSAPI_PATH would): every field, the computer each account is
 * asked of, per-session and per-computer errors, the caller's own session locked and no other; no
 * leaked buffers or handles.
 */
import { hostname } from 'node:os';
import { beforeEach, describe, expect, it } from 'vitest';
import { readLog, writeFixture, type FixtureServer } from './support/double.ts';
import { useDoubleInProcess } from './support/in-process.ts';

const wts = useDoubleInProcess('processes', { poolSize: 2 });

const SERVERS: FixtureServer[] = [
  {
    name: '.',
    sessions: [
      { id: 1, state: 'Active', winStation: 'Console', user: 'admin', domain: 'CORP', locked: 0 },
      { id: 2, state: 'Active', winStation: 'RDP-Tcp#1', user: 'b\u00f6b\u{1F600}', domain: 'CORP', locked: 0 },
    ],
    processes: [
      { session: 1, pid: 400, name: 'explorer.exe', user: 'admin', domain: 'CORP', workingSet: 1000 },
      { session: 2, pid: 500, name: 'W\u00d6RD\u{1F4DD}.exe', user: 'b\u00f6b\u{1F600}', domain: 'CORP', workingSet: 4294967295 },
      { session: 2, pid: 504, name: 'svc.exe', user: 'SYSTEM', domain: 'NT AUTHORITY', workingSet: 2 },
      { session: 2, pid: 508, name: 'nosid.exe' },
    ],
  },
  { name: 'rds01', sessions: [{ id: 7, state: 'Active', winStation: 'RDP-Tcp#9', user: 'ann', domain: 'LAB' }], processes: [{ session: 7, pid: 900, name: 'chrome.exe', user: 'ann', domain: 'LAB', workingSet: 3 }] },
  { name: 'dead01', fail: 1722, sessions: [{ id: 3, state: 'Active', winStation: 'RDP-Tcp#2', user: 'cy', domain: 'LAB' }] },
];

beforeEach(() => writeFixture(wts.fixture, SERVERS, { self: 2 }));

describe('WTS backend: sessions.processes', () => {
  it('every field of every process, in target order, accounts named by the computer that listed them', async () => {
    const { Items, Errors } = await wts.backend.processes({ Targets: [{ SessionId: 2 }, { SessionId: 7, ComputerName: 'rds01' }, { SessionId: 1, ComputerName: 'localhost' }] });
    expect(Errors).toEqual([]);
    const host = hostname();
    expect(Items).toEqual([
      { ComputerName: host, SessionId: 2, UserName: 'b\u00f6b\u{1F600}', Id: 500, Name: 'W\u00d6RD\u{1F4DD}.exe', StartTime: null, WorkingSet: 4294967295 },
      { ComputerName: host, SessionId: 2, UserName: 'SYSTEM', Id: 504, Name: 'svc.exe', StartTime: null, WorkingSet: 2 },
      { ComputerName: host, SessionId: 2, UserName: null, Id: 508, Name: 'nosid.exe', StartTime: null, WorkingSet: 0 },
      { ComputerName: 'rds01', SessionId: 7, UserName: 'ann', Id: 900, Name: 'chrome.exe', StartTime: null, WorkingSet: 3 },
      { ComputerName: host, SessionId: 1, UserName: 'admin', Id: 400, Name: 'explorer.exe', StartTime: null, WorkingSet: 1000 },
    ]);
    const lookups = readLog(wts.log).filter((e) => e.event === 'lookup');
    expect(lookups.map((e) => (e.event === 'lookup' ? [e.system, e.name] : null))).toEqual(
      expect.arrayContaining([
        [null, 'b\u00f6b\u{1F600}'],
        [null, 'SYSTEM'],
        ['rds01', 'ann'],
        [null, 'admin'],
      ]),
    );
    expect(lookups).toHaveLength(4);
  });

  it('an unreachable computer and a session that does not exist are errors of their own; the rest is listed', async () => {
    const { Items, Errors } = await wts.backend.processes({ Targets: [{ SessionId: 3, ComputerName: 'dead01' }, { SessionId: 99 }, { SessionId: 1 }] });
    expect(Items.map((p) => p.Id)).toEqual([400]);
    expect(Errors.map((e) => [e.ErrorId, e.Target, e.ComputerName])).toEqual([
      ['ComputerUnreachable', 3, 'dead01'],
      ['SessionNotFound', 99, hostname()],
    ]);
    expect(Errors[0]?.Message).toMatch(/^Listing the processes of session 3 on dead01 failed: WTSEnumerateProcessesExW failed with Win32 error 1722 RPC_S_SERVER_UNAVAILABLE/);
  });
});

describe('WTS backend: sessions.lock', () => {
  it("locks the caller's own session (LockWorkStation once), refuses another local one and a remote one without calling", async () => {
    const { Outcomes } = await wts.backend.actions['sessions.lock']({ Targets: [{ SessionId: 1 }, { SessionId: 2 }, { SessionId: 2, ComputerName: 'rds01' }] });
    expect(Outcomes.map((o) => [o.Target.SessionId, o.Error?.ErrorId ?? null, o.Item?.IsLocked ?? null])).toEqual([
      [1, 'NotSupportedOnPlatform', null],
      [2, null, true],
      [2, 'NotSupportedOnPlatform', null],
    ]);
    expect(Outcomes[0]?.Error?.Message).toContain("session 1 is not this PowerShell's own session (2)");
    expect(Outcomes[2]?.Error?.Message).toContain('session 2 is on rds01, another computer');
    const events = readLog(wts.log);
    expect(events.filter((e) => e.event === 'lock').map((e) => (e.event === 'lock' ? e.session : null))).toEqual([2]);
    expect(events.filter((e) => e.event === 'open')).toEqual([]);
  });
});
