/**
 * Get-UserSessionProcess on the WTS backend, through the real helper process on the wtsapi32
 * double: each process with its account's name, asked of the computer that listed it once per
 * account (LookupAccountSidW, which may go over the network), here and remote; a process without
 * an account has none.
 */
import { hostname } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FixtureServer } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const server = (name: string): FixtureServer => ({
  name,
  sessions: [{ id: 2, state: 'Active', winStation: 'RDP-Tcp#2', user: 'alice', domain: 'LAB' }],
  processes: [
    { session: 2, pid: 100, name: 'explorer.exe', user: 'alice', domain: 'LAB', workingSet: 10 },
    { session: 2, pid: 104, name: 'chrome.exe', user: 'alice', domain: 'LAB', workingSet: 20 },
    { session: 2, pid: 108, name: 'svchost.exe', user: 'SYSTEM', domain: 'NT AUTHORITY', workingSet: 30 },
    { session: 2, pid: 112, name: 'chrome.exe', user: 'alice', domain: 'LAB', workingSet: 40 },
    { session: 2, pid: 116, name: 'idle.exe', workingSet: 50 },
  ],
});

describe('the processes of a session on the WTS backend', () => {
  it('name each account, asked once per account of the computer that listed them, here and remote', async () => {
    const wts = startWtsHelper([server('.'), server('srv1')]);
    const answer = await wts.helper.request('sessions.processes', { Targets: [{ SessionId: 2 }, { SessionId: 2, ComputerName: 'srv1' }] }, 'p', 20_000);
    expect(answer.error).toBeUndefined();
    const { Items, Errors } = answer.result as { Items: Record<string, unknown>[]; Errors: unknown[] };
    expect(Errors).toEqual([]);
    const expected = (computer: string) =>
      [
        [100, 'explorer.exe', 'alice', 10],
        [104, 'chrome.exe', 'alice', 20],
        [108, 'svchost.exe', 'SYSTEM', 30],
        [112, 'chrome.exe', 'alice', 40],
        [116, 'idle.exe', null, 50],
      ].map(([Id, Name, UserName, WorkingSet]) => ({ ComputerName: computer, SessionId: 2, Id, Name, UserName, WorkingSet, StartTime: null }));
    expect(Items).toEqual([...expected(hostname()), ...expected('srv1')]);
    const lookups = wts.events().filter((e) => e.event === 'lookup');
    expect(lookups.map((e) => [(e as { system: string | null }).system, (e as { name: string }).name]).sort()).toEqual([
      [null, 'SYSTEM'],
      [null, 'alice'],
      ['srv1', 'SYSTEM'],
      ['srv1', 'alice'],
    ].sort());
    // A session with processes is not asked whether it exists (only one with none is, for SessionNotFound).
    expect(wts.events().filter((e) => e.event === 'call' && e.fn === 'WTSQuerySessionInformationW')).toEqual([]);
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
