/**
 * A log-off and a disconnect that the computer refuses, through the real helper process on the
 * wtsapi32 double: each session refused is AccessDenied, naming the call that refused it, on this
 * computer (the workers) and on a remote one (the asynchronous calls) alike; the session next to
 * it in the same request is acted on. A lock of any session but the caller's own is refused
 * without a call, saying what to use instead.
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

const SESSIONS: FixtureSession[] = [
  { id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB', deny: ['logoff', 'disconnect'] },
  { id: 4, state: 'Active', winStation: 'RDP-Tcp#4', user: 'bob', domain: 'LAB' },
];
const HINT =
  "Run PowerShell elevated: acting on other users' sessions needs an elevated administrator or the Remote Desktop Services permission for it. " +
  'Remotely, client editions also need AllowRemoteRPC=1, and local accounts LocalAccountTokenFilterPolicy=1.';

describe('an action the computer refuses', () => {
  for (const [method, verb, fn, after] of [
    ['sessions.logoff', 'Logging off', 'WTSLogoffSession', null],
    ['sessions.disconnect', 'Disconnecting', 'WTSDisconnectSession', 'Disconnected'],
  ] as const) {
    it(`${method}: AccessDenied naming ${fn}, here and remote; the other session acted on`, async () => {
      const wts = startWtsHelper([
        { name: '.', sessions: SESSIONS },
        { name: 'srv1', sessions: SESSIONS },
      ]);
      const targets = [{ SessionId: 3 }, { SessionId: 4 }, { SessionId: 3, ComputerName: 'srv1' }, { SessionId: 4, ComputerName: 'srv1' }];
      const answer = await wts.helper.request(method, { Targets: targets, Wait: true }, 'act', 20_000);
      expect(answer.error).toBeUndefined();
      const outcomes = (answer.result as { Outcomes: { Item: Record<string, unknown> | null; Error: unknown }[] }).Outcomes;
      const refused = (on: string) => ({
        ErrorId: 'AccessDenied', Target: 3, ComputerName: on,
        Message: `${verb} session 3 on ${on} failed: ${fn} failed with Win32 error 5 ERROR_ACCESS_DENIED: Access is denied. ${HINT}`,
      });
      expect(outcomes.map((o) => [o.Item && o.Item.State, o.Error])).toEqual([
        [null, refused(hostname())],
        [after, null],
        [null, refused('srv1')],
        [after, null],
      ]);
      // This computer's sessions are acted on through WTS_CURRENT_SERVER_HANDLE, never a handle opened for it.
      expect(wts.events().filter((e) => e.event === 'open').map((e) => e.server)).toEqual(['srv1']);
      expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
    });
  }

  it('sessions.lock of another session, here or remote: NotSupportedOnPlatform saying what to use instead', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: SESSIONS }, { name: 'srv1', sessions: SESSIONS }], { self: 4 });
    const targets = [{ SessionId: 3 }, { SessionId: 3, ComputerName: 'srv1' }];
    const answer = await wts.helper.request('sessions.lock', { Targets: targets }, 'lock', 20_000);
    const instead = 'Use Disconnect-UserSession to keep it running behind the sign-in screen, or Send-UserSessionMessage to ask its user to lock it.';
    const refused = (on: string, whose: string) => ({
      ErrorId: 'NotSupportedOnPlatform', Target: 3, ComputerName: on,
      Message: `Session 3 cannot be locked: Windows locks only the session the caller runs in (LockWorkStation), and session 3 is ${whose}. ${instead}`,
    });
    expect((answer.result as { Outcomes: unknown[] }).Outcomes).toEqual([
      { Target: targets[0], Item: null, Error: refused(hostname(), "not this PowerShell's own session (4)") },
      { Target: targets[1], Item: null, Error: refused('srv1', 'on srv1, another computer') },
    ]);
    expect(wts.events().filter((e) => e.event === 'lock' || e.event === 'open')).toEqual([]);
  });
});
