/**
 * A WTS helper with a native call stuck on a libuv pool thread (an asynchronous call to a host that
 * never answers) still ends at stdin EOF: process.exit would wait for that thread for ever (libuv
 * joins its pool at exit), so the helper ends itself with SIGKILL. And a helper whose workers (this
 * computer's listing) are still starting at EOF ends cleanly. The real helper, on the wtsapi32 double.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

describe('a helper with a call stuck on a pool thread', () => {
  it('answers the stuck host as timed out, then at EOF ends itself by SIGKILL at once', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: [] }, { name: 'hung', latencyMs: 600_000, sessions: [] }]);
    const result = await wts.list({ ComputerName: ['hung'], TimeoutSec: 1 });
    expect(result.Errors.map((e) => e.ErrorId)).toEqual(['ComputerTimeout']);
    const started = Date.now();
    wts.helper.closeStdin();
    const exit = await wts.helper.exitWithin(10_000);
    expect(exit).toMatchObject({ signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('with no stuck worker, exits 0 at EOF', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: [] }, { name: 'quick', sessions: [] }]);
    expect((await wts.list({ ComputerName: ['quick'], TimeoutSec: 1 })).Errors).toEqual([]);
    wts.helper.closeStdin();
    expect(await wts.helper.exitWithin(10_000)).toMatchObject({ code: 0, signal: null });
  });

  it('ends cleanly when EOF comes while its workers are still starting (many rounds, closed at staggered times)', async () => {
    // A worker terminated while koffi declares its functions aborts the process (SIGABRT, "napi_throw"
    // on stderr): seen in 7 of 150 such rounds (SIGABRT, once SIGSEGV) before close() waited for starting workers.
    // Remote hosts are listed with asynchronous calls on the main thread, and this computer on the workers:
    // both at once, ended by EOF at staggered times.
    const hosts = Array.from({ length: 8 }, (_, i) => `h${i}`);
    const failures: string[] = [];
    for (let round = 0; round < 120; round++) {
      const wts = startWtsHelper([{ name: '.', sessions: [] }, ...hosts.map((name) => ({ name, sessions: [] }))]);
      await wts.helper.sendJson({ jsonrpc: '2.0', id: 1, method: 'sessions.list', params: { ComputerName: ['localhost', ...hosts] } });
      await new Promise((r) => setTimeout(r, (round % 40) * 2));
      wts.helper.closeStdin();
      const exit = await wts.helper.exitWithin(15_000);
      if (exit?.code !== 0 || /FATAL/.test(wts.helper.stderr)) failures.push(`round ${round}: ${JSON.stringify(exit)} ${wts.helper.stderr.slice(0, 120)}`);
      await stopAllHelpers();
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
