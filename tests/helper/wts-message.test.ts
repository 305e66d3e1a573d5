/**
 * Send-UserSessionMessage's outcomes on the WTS backend, through the real helper process on the
 * wtsapi32 double: the answer of a session of this computer and of a remote one, and each way a
 * message can fail, as the caller sees it (ErrorId, message, computer), with every server handle
 * closed and every buffer freed once.
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

const HERE = hostname();

const servers: FixtureServer[] = [
  {
    name: '.',
    sessions: [
      { id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB', reply: 6 },
      { id: 4, state: 'Active', winStation: 'RDP-Tcp#4', user: 'bob', domain: 'LAB', deny: ['message'] },
      // Query Information is one permission and Message another (RDS): a caller may have only the second.
      { id: 5, state: 'Active', winStation: 'RDP-Tcp#5', user: 'carol', domain: 'LAB', deny: ['query'], reply: 1 },
      // Not one of the MessageBox results Microsoft documents for *pResponse.
      { id: 6, state: 'Active', winStation: 'RDP-Tcp#6', user: 'dave', domain: 'LAB', reply: 99 },
    ],
  },
  { name: 'srv1', sessions: [{ id: 7, state: 'Disconnected', winStation: 'RDP-Tcp#7', user: 'erin', domain: 'CORP', reply: 7 }] },
];

interface Outcome {
  Target: { SessionId: number; ComputerName?: string };
  Item: Record<string, unknown> | null;
  Error: Record<string, unknown> | null;
}

async function send(targets: Outcome['Target'][], extra: Record<string, unknown> = {}): Promise<{ outcomes: Outcome[]; wts: ReturnType<typeof startWtsHelper> }> {
  const wts = startWtsHelper(servers);
  const answer = await wts.helper.request('sessions.message', { Targets: targets, Text: 'Save your work', Buttons: 'YesNo', Wait: true, TimeoutSec: 5, ...extra }, 'message', 20_000);
  expect(answer.error).toBeUndefined();
  return { outcomes: (answer.result as { Outcomes: Outcome[] }).Outcomes, wts };
}

describe('sessions.message on the WTS backend', () => {
  it('answers with the button each user pressed, with the user, here and on a remote computer', async () => {
    const targets = [{ SessionId: 3 }, { SessionId: 7, ComputerName: 'SRV1' }];
    const { outcomes, wts } = await send(targets);
    expect(outcomes).toEqual([
      { Target: targets[0], Item: { ComputerName: HERE, SessionId: 3, UserName: 'alice', Answer: 'Yes' }, Error: null },
      { Target: targets[1], Item: { ComputerName: 'SRV1', SessionId: 7, UserName: 'erin', Answer: 'No' }, Error: null },
    ]);
    // The remote one was sent over a handle of SRV1, which was closed.
    const shown = wts.events().filter((e) => e.event === 'message');
    expect(shown.map((e) => [e.server, e.session, e.response])).toEqual(expect.arrayContaining([['.', 3, 6], ['SRV1', 7, 7]]));
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });

  it('a session whose user cannot be read (no Query Information right) still gets the message; its UserName is null', async () => {
    const { outcomes } = await send([{ SessionId: 5 }]);
    expect(outcomes).toEqual([{ Target: { SessionId: 5 }, Item: { ComputerName: HERE, SessionId: 5, UserName: null, Answer: 'Ok' }, Error: null }]);
  });

  // gone1 is no computer the double knows (every call fails with 1722): the look at the user fails
  // first, and the error is WTSSendMessageW's own, which says whether the message got through.
  it('each session fails on its own: refused, not there, no such computer, an answer that is no button', async () => {
    const targets = [{ SessionId: 4 }, { SessionId: 9 }, { SessionId: 3, ComputerName: 'gone1' }, { SessionId: 6 }, { SessionId: 3 }];
    const { outcomes, wts } = await send(targets);
    const what = (id: number, on: string) => `Sending a message to session ${id} on ${on} failed`;
    expect(outcomes.map((o) => [o.Target, o.Item, o.Error])).toEqual([
      [
        targets[0], null,
        {
          ErrorId: 'AccessDenied', Target: 4, ComputerName: HERE,
          Message: `${what(4, HERE)}: WTSSendMessageW failed with Win32 error 5 ERROR_ACCESS_DENIED: Access is denied. Run PowerShell elevated: acting on other users' sessions needs an elevated administrator or the Remote Desktop Services permission for it. Remotely, client editions also need AllowRemoteRPC=1, and local accounts LocalAccountTokenFilterPolicy=1.`,
        },
      ],
      [
        targets[1], null,
        {
          ErrorId: 'SessionNotFound', Target: 9, ComputerName: HERE,
          Message: `No session with id 9 on ${HERE} (WTSSendMessageW failed with Win32 error 7022 ERROR_CTX_WINSTATION_NOT_FOUND: The specified session cannot be found.).`,
        },
      ],
      [
        targets[2], null,
        {
          ErrorId: 'ComputerUnreachable', Target: 3, ComputerName: 'gone1',
          Message: `${what(3, 'gone1')}: WTSSendMessageW failed with Win32 error 1722 RPC_S_SERVER_UNAVAILABLE: The RPC server is unavailable. Is the computer on, is remote RPC allowed (AllowRemoteRPC on client editions), and does the firewall let SMB (TCP 445) through?`,
        },
      ],
      [targets[3], null, { ErrorId: 'BackendFailed', Target: 6, ComputerName: HERE, Message: `${what(6, HERE)}: WTSSendMessageW answered 99, which is no MessageBox result.` }],
      [targets[4], { ComputerName: HERE, SessionId: 3, UserName: 'alice', Answer: 'Yes' }, null],
    ]);
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
