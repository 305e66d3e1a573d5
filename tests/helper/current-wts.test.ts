/**
 * IsCurrent on the WTS backend, through the real helper on the wtsapi32 double: the session the
 * helper runs in (the double's `self`: what ProcessIdToSessionId answers for the helper's own pid)
 * is the current one on this computer only, wherever this computer's sessions come in an answer
 * that also holds another computer's, in listings and in the sessions an action answers with. The
 * helper asks the system for its own session only when an answer holds a session of this computer.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FixtureServer, FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers, type RpcAnswer } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper, type WtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const session = (id: number, user: string): FixtureSession => ({ id, state: 'Active', winStation: `RDP-Tcp#${id}`, user, domain: 'LAB' });

/** This computer and a remote one, with the same session ids: only this computer's 1 is the helper's. */
const SERVERS: FixtureServer[] = [
  { name: '.', sessions: [session(1, 'alice'), session(2, 'bob')] },
  { name: 'srv1', sessions: [session(1, 'carol'), session(2, 'dave')] },
];
const SELF = { self: 1 };

interface Item {
  UserName: string;
  IsCurrent: boolean;
}
const shown = (items: Record<string, unknown>[]): Pick<Item, 'UserName' | 'IsCurrent'>[] =>
  items.map((s) => ({ UserName: s.UserName as string, IsCurrent: s.IsCurrent as boolean }));

/** The double's ProcessIdToSessionId calls: the helper asking for its own session. */
const ownSessionAsked = (wts: WtsHelper): number => wts.events().filter((e) => e.event === 'pid').length;

async function act(wts: WtsHelper, method: string, targets: unknown[], id: string): Promise<{ Item: Record<string, unknown> | null; Error: { ErrorId: string } | null }[]> {
  const answer: RpcAnswer = await wts.helper.request(method, { Targets: targets, Wait: false }, id, 20_000);
  if (answer.error !== undefined) throw new Error(`${method} failed: ${JSON.stringify(answer)}`);
  return (answer.result as { Outcomes: { Item: Record<string, unknown> | null; Error: { ErrorId: string } | null }[] }).Outcomes;
}

describe('IsCurrent on Windows (WTS double): the helper\'s own session, on this computer only', () => {
  it('a listing of another computer first, then this one: only this computer\'s own session is current', async () => {
    const wts = startWtsHelper(SERVERS, SELF);
    const both = await wts.list({ ComputerName: ['srv1', 'localhost'] });
    expect(both.Errors).toEqual([]);
    expect(shown(both.Items)).toEqual([
      { UserName: 'carol', IsCurrent: false },
      { UserName: 'dave', IsCurrent: false },
      { UserName: 'alice', IsCurrent: true },
      { UserName: 'bob', IsCurrent: false },
    ]);
    const current = await wts.list({ ComputerName: ['srv1', 'localhost'], Current: true });
    expect(shown(current.Items)).toEqual([{ UserName: 'alice', IsCurrent: true }]);
  });

  it('an action answers with the sessions it acted on, the own one current (disconnect without waiting)', async () => {
    const wts = startWtsHelper(SERVERS, SELF);
    const outcomes = await act(wts, 'sessions.disconnect', [{ ComputerName: 'srv1', SessionId: 1 }, { SessionId: 1 }], 'disconnect');
    expect(outcomes.map((o) => o.Error)).toEqual([null, null]);
    expect(outcomes.map((o) => o.Item && { UserName: o.Item.UserName, IsCurrent: o.Item.IsCurrent })).toEqual([
      { UserName: 'carol', IsCurrent: false },
      { UserName: 'alice', IsCurrent: true },
    ]);
  });

  it('asks for its own session only when an answer holds a session of this computer', async () => {
    const wts = startWtsHelper(SERVERS, SELF);
    const remote = await wts.list({ ComputerName: ['srv1'] });
    expect(shown(remote.Items)).toEqual([
      { UserName: 'carol', IsCurrent: false },
      { UserName: 'dave', IsCurrent: false },
    ]);
    // An action whose every outcome is an error holds no session at all.
    const failed = await act(wts, 'sessions.disconnect', [{ SessionId: 99 }, { ComputerName: 'srv1', SessionId: 98 }], 'missing');
    expect(failed.map((o) => [o.Item, o.Error?.ErrorId])).toEqual([
      [null, 'SessionNotFound'],
      [null, 'SessionNotFound'],
    ]);
    expect(ownSessionAsked(wts)).toBe(0);
    // The first answer with a session of this computer asks, once for the helper's life.
    expect(shown((await wts.list({ ComputerName: ['localhost'] })).Items)).toEqual([
      { UserName: 'alice', IsCurrent: true },
      { UserName: 'bob', IsCurrent: false },
    ]);
    await wts.list({ ComputerName: ['localhost'] });
    expect(ownSessionAsked(wts)).toBe(1);
  });
});
