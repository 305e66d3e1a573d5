/**
 * A log-off or disconnect that one computer never answers (it went away after the listing: its
 * calls hold until Windows gives up) still answers every target before the client stops waiting:
 * that computer's targets ActionTimedOut, the others' outcomes as they happened. Before, the whole
 * answer waited for that computer, the client stopped the helper at its timeout (HelperTimeout) and
 * every outcome was lost. The real helper process on the wtsapi32 double; the client's wait made
 * 4 s (SESSIONTOOLS_RPC_TIMEOUT_SECONDS, which the helper inherits): answered at 2 s.
 */
import { hostname } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FixtureSession, SessionActionEvent } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const SESSIONS: FixtureSession[] = [
  { id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB' },
  { id: 4, state: 'Active', winStation: 'RDP-Tcp#4', user: 'bob', domain: 'LAB' },
];
const SERVERS = [
  { name: '.', sessions: SESSIONS },
  { name: 'srv1', sessions: SESSIONS },
  // Every call on its handles takes a minute: a computer that stopped answering.
  { name: 'gone', latencyMs: 60_000, sessions: SESSIONS },
];
const ENV = { SESSIONTOOLS_RPC_TIMEOUT_SECONDS: '4' };

interface Outcome {
  Target: { SessionId: number; ComputerName?: string };
  Item: { State: string } | null;
  Error: { ErrorId: string; Message: string; Target: number; ComputerName: string } | null;
}

describe('an action one computer never answers', () => {
  for (const [method, verb, event, after] of [
    ['sessions.logoff', 'Logging off', 'logoff', null],
    ['sessions.disconnect', 'Disconnecting', 'disconnect', 'Disconnected'],
  ] as const) {
    it(`${method}: its targets ActionTimedOut before the client's time is up; the other computers' outcomes as done`, async () => {
      const wts = startWtsHelper(SERVERS, {}, undefined, ENV);
      // Started and answering, as the client has it before it sends (and its clock starts).
      await wts.list({});
      const targets = [
        { SessionId: 3, ComputerName: 'srv1' },
        { SessionId: 3, ComputerName: 'gone' },
        { SessionId: 3 },
        { SessionId: 4, ComputerName: 'GONE' },
        { SessionId: 4, ComputerName: 'SRV1' },
      ];
      const started = Date.now();
      const answer = await wts.helper.request(method, { Targets: targets, Wait: true }, 'act', 10_000);
      const took = Date.now() - started;
      expect(answer.error).toBeUndefined();
      // The client waits 4 s; the helper answers what it has 2 s before (at most 2 s, at most half).
      expect(took).toBeGreaterThanOrEqual(1_900);
      expect(took).toBeLessThan(4_000);
      const late = (id: number, on: string) => ({
        ErrorId: 'ActionTimedOut',
        Target: id,
        ComputerName: on,
        Message:
          `${verb} session ${id} on ${on} was not answered before the command's time ran out: ${on} may still be acting on it, ` +
          'or the call may still wait for a free slot (calls to computers that do not answer hold theirs); the action may still take effect.',
      });
      const outcomes = (answer.result as { Outcomes: Outcome[] }).Outcomes;
      expect(outcomes.map((o) => [o.Target, o.Item && o.Item.State, o.Error])).toEqual([
        [targets[0], after, null],
        [targets[1], null, late(3, 'gone')],
        [targets[2], after, null],
        [targets[3], null, late(4, 'GONE')],
        [targets[4], after, null],
      ]);
      // Acted on: both sessions of srv1 and this computer's; gone's first call is still waiting.
      const acted = wts.events().filter((e): e is SessionActionEvent => e.event === event);
      expect(acted.map((e) => `${e.server}#${e.session}`).sort()).toEqual(['.#3', 'srv1#3', 'srv1#4']);
    });
  }

  it('a computer that answers in time is not held to the deadline: the answer comes as soon as all are done', async () => {
    // The client waits 10 s here: the helper would answer what it has at 8 s.
    const wts = startWtsHelper(SERVERS, {}, undefined, { SESSIONTOOLS_RPC_TIMEOUT_SECONDS: '10' });
    const started = Date.now();
    const answer = await wts.helper.request('sessions.logoff', { Targets: [{ SessionId: 4, ComputerName: 'srv1' }, { SessionId: 4 }], Wait: false }, 'act', 10_000);
    expect(Date.now() - started).toBeLessThan(4_000);
    const outcomes = (answer.result as { Outcomes: Outcome[] }).Outcomes;
    expect(outcomes.map((o) => [o.Target.ComputerName ?? hostname(), o.Error])).toEqual([
      ['srv1', null],
      [hostname(), null],
    ]);
  });
});
