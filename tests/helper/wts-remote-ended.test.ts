/**
 * A remote computer's session that ends between the enumeration and its queries (7022, or 7007
 * while it closes), through the real helper process on the wtsapi32 double: it is left out of the
 * listing, with no error, and the computer's other sessions are listed; every handle is closed
 * and every buffer freed.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const session = (id: number, extra: Partial<FixtureSession> = {}): FixtureSession => ({ id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB', ...extra });

describe('a remote session that ended after the enumeration', () => {
  it('is left out, without an error; the others are listed', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: [] }, { name: 'srv1', sessions: [session(3), session(4, { queryFail: 7022 }), session(5, { queryFail: 7007 }), session(6)] }]);
    const result = await wts.list({ ComputerName: ['srv1'] });
    expect(result.Errors).toEqual([]);
    expect(result.Items.map((s) => [s.ComputerName, s.SessionId, s.UserName])).toEqual([
      ['srv1', 3, 'user3'],
      ['srv1', 6, 'user6'],
    ]);
    expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });
});
