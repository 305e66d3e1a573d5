/**
 * A server without the Ex functions (Vista / Server 2008, the double's version 6.0) whose classic
 * enumeration fails too (the double's classic_fail), through the real helper process: this
 * computer (the workers) and a remote one (the asynchronous calls) each fail with the classic
 * call's own error, never an empty listing; nothing is leaked.
 */
import { hostname } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const SESSIONS: FixtureSession[] = [{ id: 1, state: 'Active', winStation: 'Console', user: 'alice', domain: 'CORP' }];

describe('a server without the Ex functions whose classic enumeration fails', () => {
  it('fails the listing with WTSEnumerateSessionsW\'s error, here and remote', async () => {
    const wts = startWtsHelper([
      { name: '.', version: '6.0', classicFail: 5, sessions: SESSIONS },
      { name: 'old2008', version: '6.0', classicFail: 1722, sessions: SESSIONS },
    ]);
    const result = await wts.list({ ComputerName: ['.', 'old2008'] });
    expect(result).toEqual({
      Items: [],
      Errors: [
        {
          ErrorId: 'AccessDenied', Target: '.', ComputerName: '.',
          Message: `Listing the sessions of ${hostname()} failed: WTSEnumerateSessionsW failed with Win32 error 5 ERROR_ACCESS_DENIED: Access is denied. Run PowerShell elevated: acting on other users' sessions needs an elevated administrator or the Remote Desktop Services permission for it. Remotely, client editions also need AllowRemoteRPC=1, and local accounts LocalAccountTokenFilterPolicy=1.`,
        },
        {
          ErrorId: 'ComputerUnreachable', Target: 'old2008', ComputerName: 'old2008',
          Message: 'Listing the sessions of old2008 failed: WTSEnumerateSessionsW failed with Win32 error 1722 RPC_S_SERVER_UNAVAILABLE: The RPC server is unavailable. Is the computer on, is remote RPC allowed (AllowRemoteRPC on client editions), and does the firewall let SMB (TCP 445) through?',
        },
      ],
    });
    const events = wts.events();
    const enumerations = events.filter((e) => e.event === 'call' && e.fn.startsWith('WTSEnumerateSessions'));
    expect(enumerations.map((e) => [(e as { server: string }).server, (e as { fn: string }).fn, (e as { error: number }).error]).sort()).toEqual([
      ['.', 'WTSEnumerateSessionsExW', 1745],
      ['.', 'WTSEnumerateSessionsW', 5],
      ['old2008', 'WTSEnumerateSessionsExW', 1745],
      ['old2008', 'WTSEnumerateSessionsW', 1722],
    ]);
    expect(leftovers(events)).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
