/**
 * A WTS helper whose worker is stuck in a native call (a host that never answers) still ends at
 * stdin EOF: process.exit would wait for that worker thread for ever, so the helper ends itself
 * with SIGKILL. The real helper, on the wtsapi32 double.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

describe('a helper with a worker stuck in a call', () => {
  it('answers the stuck host as timed out, then at EOF ends itself by SIGKILL at once', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: [] }, { name: 'hung', latencyMs: 600_000, sessions: [] }]);
    const result = await wts.list({ ComputerName: ['hung'], TimeoutSec: 1 });
    expect(result.Errors.map((e) => e.ErrorId)).toEqual(['ComputerTimeout']);
    const started = Date.now();
    wts.helper.closeStdin();
    const exit = await wts.helper.waitExit(10_000);
    expect(exit).toMatchObject({ signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('with no stuck worker, exits 0 at EOF', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: [] }, { name: 'quick', sessions: [] }]);
    expect((await wts.list({ ComputerName: ['quick'], TimeoutSec: 1 })).Errors).toEqual([]);
    wts.helper.closeStdin();
    expect(await wts.helper.waitExit(10_000)).toMatchObject({ code: 0, signal: null });
  });
});
