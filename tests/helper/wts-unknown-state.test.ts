/**
 * A session in a state WTS_CONNECTSTATE_CLASS does not have (0-9; a later Windows could add one),
 * through the real helper process on the wtsapi32 double: the computer's listing fails with
 * BackendFailed naming the session and the state, here and remote, rather than showing a state
 * the session is not in.
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
  { id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB' },
  { id: 5, state: 12, winStation: 'RDP-Tcp#5', user: 'bob', domain: 'LAB' },
];

describe('a session in a state the module does not know', () => {
  it('fails the listing of its computer, naming it, here and remote', async () => {
    const wts = startWtsHelper([
      { name: '.', sessions: SESSIONS },
      { name: 'srv1', sessions: SESSIONS },
    ]);
    const result = await wts.list({ ComputerName: ['.', 'srv1'] });
    const why = 'session 5 is in state 12, which WTS_CONNECTSTATE_CLASS does not have';
    expect(result).toEqual({
      Items: [],
      Errors: [
        { ErrorId: 'BackendFailed', Target: '.', ComputerName: '.', Message: `Listing the sessions of ${hostname()} failed: ${why}` },
        { ErrorId: 'BackendFailed', Target: 'srv1', ComputerName: 'srv1', Message: `Listing the sessions of srv1 failed: ${why}` },
      ],
    });
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
