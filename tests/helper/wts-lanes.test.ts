/**
 * How many calls one remote computer gets at once, through the real helper process (libuv's pool
 * as the module sizes it) on the wtsapi32 double: a listing of many sessions asks them in
 * MAX_LANES_PER_COMPUTER lanes (handles) at once, never more, whatever the pool could give, and a
 * computer with few sessions no more lanes than it has queries.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAX_LANES_PER_COMPUTER } from '../../src/backend/wts/remote-list.ts';
import { mostAtOnce, type CallEvent, type FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

describe('the lanes of a remote computer', () => {
  it(`is asked in ${MAX_LANES_PER_COMPUTER} lanes at once, no more`, async () => {
    const sessions: FixtureSession[] = Array.from({ length: 48 }, (_, i) => ({ id: i + 1, state: 'Active', winStation: `RDP-Tcp#${i + 1}`, user: `user${i + 1}`, domain: 'LAB' }));
    const wts = startWtsHelper([{ name: '.', sessions: [] }, { name: 'farm', latencyMs: 60, sessions }]);
    const result = await wts.list({ ComputerName: ['farm'] });
    expect(result.Items).toHaveLength(48);
    const events = wts.events();
    const calls = events.filter((e): e is CallEvent => e.event === 'call' && e.server === 'farm');
    expect(mostAtOnce(calls)).toBe(MAX_LANES_PER_COMPUTER);
    expect(events.filter((e) => e.event === 'open' && e.server === 'farm')).toHaveLength(MAX_LANES_PER_COMPUTER);
    expect(leftovers(events)).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
  });

  it('a computer with one session gets no more lanes than it has queries waiting', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: [] }, { name: 'small', latencyMs: 60, sessions: [{ id: 1, state: 'Active', winStation: 'RDP-Tcp#1', user: 'alice', domain: 'LAB' }] }]);
    expect((await wts.list({ ComputerName: ['small'] })).Items).toHaveLength(1);
    // The enumeration's lane, then the session's three queries: at most one more lane per query waiting.
    const handles = wts.events().filter((e) => e.event === 'open' && e.server === 'small').length;
    expect(handles).toBeGreaterThanOrEqual(1);
    expect(handles).toBeLessThanOrEqual(3);
  });
});
