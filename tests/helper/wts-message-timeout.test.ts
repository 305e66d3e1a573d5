/**
 * A message to a computer that does not answer, through the real helper process on the wtsapi32
 * double: the session fails with ComputerTimeout after 15 s (the helper's margin beyond -TimeoutSec,
 * well inside the client's own wait of TimeoutSec + 30 s), while the message to a computer that
 * answers, in the same request, is answered as usual. It waits those 15 s, so it is not among the
 * mutation suites (vitest.mutation.config.ts), like wts-hosts-hang.test.ts.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

describe('a message to a computer that does not answer', () => {
  it('fails that session with ComputerTimeout after 15 s; the other computer answers', async () => {
    const session = { id: 3, state: 'Active' as const, winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB' };
    const wts = startWtsHelper([
      { name: '.', sessions: [] },
      // Every call on its handles takes a minute (a host whose RPC hangs).
      { name: 'hung', latencyMs: 60_000, sessions: [session] },
      { name: 'srv1', sessions: [session] },
    ]);
    const targets = [{ SessionId: 3, ComputerName: 'hung' }, { SessionId: 3, ComputerName: 'srv1' }];
    const answer = await wts.helper.request('sessions.message', { Targets: targets, Text: 'hello' }, 'message', 40_000);
    expect(answer.error).toBeUndefined();
    expect((answer.result as { Outcomes: unknown[] }).Outcomes).toEqual([
      {
        Target: targets[0], Item: null,
        Error: { ErrorId: 'ComputerTimeout', Target: 3, ComputerName: 'hung', Message: 'Sending a message to session 3 on hung failed: hung did not answer within 15 s.' },
      },
      { Target: targets[1], Item: { ComputerName: 'srv1', SessionId: 3, UserName: 'alice', Answer: 'Async' }, Error: null },
    ]);
  }, 60_000);
});
