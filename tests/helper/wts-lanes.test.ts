/**
 * How many calls one remote computer gets at once, through the real helper process (libuv's pool
 * as the module sizes it) on the wtsapi32 double: a listing of many sessions asks them in
 * MAX_LANES_PER_COMPUTER lanes (handles) at once, never more, whatever the pool could give.
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

describe('a remote computer with many sessions', () => {
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
});
