/**
 * The look at a session after an action (a log-off or disconnect answers with the session as it is
 * afterwards) when that look fails, through the real helper process on the wtsapi32 double: the
 * action is done, so the session's outcome is no error and no session, on this computer (the
 * workers) and on a remote one (the asynchronous calls) alike; the others are answered as usual.
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
  { id: 4, state: 'Active', winStation: 'RDP-Tcp#4', user: 'bob', domain: 'LAB' },
];

describe('a disconnect whose look afterwards fails', () => {
  it('is done: no error and no session for it, here and remote; the other session as it is now', async () => {
    const wts = startWtsHelper([
      { name: '.', sessions: SESSIONS },
      { name: 'srv1', sessions: SESSIONS },
    ]);
    const targets = [{ SessionId: 3 }, { SessionId: 4 }, { SessionId: 3, ComputerName: 'srv1' }, { SessionId: 4, ComputerName: 'srv1' }];
    const answer = await wts.helper.request('sessions.disconnect', { Targets: targets, Wait: true }, 'disconnect', 20_000);
    expect(answer.error).toBeUndefined();
    const outcomes = (answer.result as { Outcomes: { Target: unknown; Item: Record<string, unknown> | null; Error: unknown }[] }).Outcomes;
    expect(outcomes.map((o) => [o.Target, o.Item && [o.Item.ComputerName, o.Item.SessionId, o.Item.UserName, o.Item.State], o.Error])).toEqual([
      [targets[0], null, null],
      [targets[1], [hostname(), 4, 'bob', 'Disconnected'], null],
      [targets[2], null, null],
      [targets[3], ['srv1', 4, 'bob', 'Disconnected'], null],
    ]);
    const events = wts.events();
    expect(events.filter((e) => e.event === 'disconnect').map((e) => [(e as { server: string }).server, (e as { session: number }).session, (e as { ok: boolean }).ok])).toEqual(
      expect.arrayContaining([['.', 3, true], ['.', 4, true], ['srv1', 3, true], ['srv1', 4, true]]),
    );
    expect(leftovers(events)).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
