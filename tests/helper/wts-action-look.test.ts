/**
 * The look at a session after an action (a log-off or disconnect answers with the session as it is
 * afterwards) when that look fails, through the real helper process on the wtsapi32 double: the
 * action is done, so the session's outcome is no error and no session, on this computer (the
 * workers) and on a remote one (the asynchronous calls) alike; the others are answered as usual.
 * On a server without WTSSessionInfoEx the look is made with WTSSessionInfo.
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
  // Its queries fail as a server that stopped answering between two calls does (1722).
  { id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB', queryFail: 1722 },
  { id: 4, state: 'Active', winStation: 'RDP-Tcp#4', user: 'bob', domain: 'LAB', locked: 0, clientName: 'PC4', address: '10.0.0.4' },
  // Its queries are refused (no Query Information right), its disconnect is not.
  { id: 5, state: 'Active', winStation: 'RDP-Tcp#5', user: 'carol', domain: 'LAB', deny: ['query'] },
  // The server stops answering at the first query of the look (WTSSessionInfoEx, 25) ...
  { id: 6, state: 'Active', winStation: 'RDP-Tcp#6', user: 'dave', domain: 'LAB', queryFail: 1722, queryFailClass: 25 },
  // ... or only when asked for the address of an IPv6 client (WTSClientAddress, 14), after the rest answered.
  { id: 7, state: 'Active', winStation: 'RDP-Tcp#7', user: 'erin', domain: 'LAB', address: '2001:db8::7', queryFail: 1722, queryFailClass: 14 },
];

describe('a disconnect whose look afterwards fails', () => {
  it('is done: no error and no session for it, here and remote; the other session as it is now', async () => {
    const wts = startWtsHelper([
      { name: '.', sessions: SESSIONS },
      { name: 'srv1', sessions: SESSIONS },
    ]);
    const targets = [3, 4, 5, 6, 7].flatMap((id) => [{ SessionId: id }, { SessionId: id, ComputerName: 'srv1' }]);
    const answer = await wts.helper.request('sessions.disconnect', { Targets: targets, Wait: true }, 'disconnect', 20_000);
    expect(answer.error).toBeUndefined();
    const outcomes = (answer.result as { Outcomes: { Target: unknown; Item: Record<string, unknown> | null; Error: unknown }[] }).Outcomes;
    const item = (o: (typeof outcomes)[number]) => o.Item && [o.Item.ComputerName, o.Item.SessionId, o.Item.UserName, o.Item.State, o.Item.IsLocked, o.Item.ClientName, o.Item.ClientAddress];
    expect(outcomes.map((o) => [o.Target, item(o), o.Error])).toEqual(
      targets.map((t) => [t, t.SessionId === 4 ? [t.ComputerName ?? hostname(), 4, 'bob', 'Disconnected', false, 'PC4', '10.0.0.4'] : null, null]),
    );
    const events = wts.events();
    expect(events.filter((e) => e.event === 'disconnect').map((e) => [(e as { server: string }).server, (e as { session: number }).session, (e as { ok: boolean }).ok])).toEqual(
      expect.arrayContaining([3, 4, 5, 6, 7].flatMap((id) => [['.', id, true], ['srv1', id, true]])),
    );
    // A computer that stopped answering is asked nothing after the round it stopped in (WTSSessionInfoEx,
    // WTSClientInfo, WTSClientProtocolType): each call to it may wait out an RPC timeout.
    const queried = (server: string, id: number) =>
      events.filter((e) => e.event === 'call' && e.fn === 'WTSQuerySessionInformationW' && e.server === server && e.session === id).map((e) => (e as { infoClass: number }).infoClass);
    expect([queried('.', 6), queried('srv1', 6)]).toEqual([[25, 23, 16], [25, 23, 16]]);
    expect(leftovers(events)).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});

describe('a disconnect on a server without the Ex functions (Vista / Server 2008)', () => {
  it('answers with the session as WTSSessionInfo tells it, here and remote', async () => {
    const wts = startWtsHelper([
      { name: '.', version: '6.0', sessions: SESSIONS },
      { name: 'srv1', version: '6.0', sessions: SESSIONS },
    ]);
    const targets = [{ SessionId: 4 }, { SessionId: 4, ComputerName: 'srv1' }];
    const answer = await wts.helper.request('sessions.disconnect', { Targets: targets, Wait: false }, 'disconnect', 20_000);
    const outcomes = (answer.result as { Outcomes: { Item: Record<string, unknown> | null; Error: unknown }[] }).Outcomes;
    expect(outcomes.map((o) => [o.Item && [o.Item.ComputerName, o.Item.SessionId, o.Item.SessionName, o.Item.UserName, o.Item.Domain, o.Item.State, o.Item.IsLocked], o.Error])).toEqual([
      [[hostname(), 4, 'RDP-Tcp#4', 'bob', 'LAB', 'Disconnected', null], null],
      [['srv1', 4, 'RDP-Tcp#4', 'bob', 'LAB', 'Disconnected', null], null],
    ]);
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
