/**
 * The fan-out's backstop timer (src/helper/fanout.ts), in process on the real Linux backend: each
 * computer asked sets one, and each is cleared when that computer is answered or fails, so a
 * listing leaves no timer behind to fire (and abort, and reject) minutes later.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { listComputers, type ListParams } from '../../src/helper/fanout.ts';
import { ListSessions } from '../../src/protocol/methods.ts';
import { makeTempDir, removeDir } from '../linux-backend/support.ts';

const dir = makeTempDir('st-fanout-timers-');
afterAll(() => removeDir(dir));

function params(over: Partial<ListParams>): ListParams {
  const defaults = Object.fromEntries(Object.entries(ListSessions.params).map(([k, f]) => [k, (f as { default?: unknown }).default])) as ListParams;
  return { ...defaults, ComputerName: [], UserName: [], Id: [], State: [], IncludeSystem: false, ...over };
}

const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('the fan-out backstop', () => {
  it('is cleared for each computer, answered or failed', async () => {
    const empty = join(dir, 'utmp');
    writeFileSync(empty, '');
    const before = timeouts();
    // This computer answers (no sessions); a remote one fails at once on Linux.
    const answered = await listComputers(createLinuxBackend({ utmpPath: empty }), params({ TimeoutSec: 1 }), 'here');
    expect(answered).toEqual({ Items: [], Errors: [] });
    const failed = await listComputers(createLinuxBackend({ utmpPath: join(dir, 'missing') }), params({ ComputerName: ['localhost', 'srv9'], TimeoutSec: 1 }), 'here');
    expect(failed.Errors.map((e) => [e.ComputerName, e.ErrorId])).toEqual([
      ['localhost', 'SessionSourceUnreadable'],
      ['srv9', expect.any(String)],
    ]);
    expect(timeouts()).toBe(before);
  });
});
