/**
 * When the helper answers what it has (answer-by.ts): the client's wait for that request less a
 * margin of 2 s, or of half the wait when that is shorter, so that a short wait still leaves the
 * helper time to gather answers. The helper-level tests (action-deadline, processes-deadline,
 * answer-timeout) use waits of 4 and 10 s; these pin the margin on both sides of its bend.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answerBy } from '../../src/helper/answer-by.ts';
import { ListSessionProcesses, LogoffSessions, SendMessage } from '../../src/protocol/methods.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the moment the helper answers by', () => {
  it("is 2 s before the client's wait ends when the wait is 4 s or more", () => {
    vi.stubEnv('SESSIONTOOLS_RPC_TIMEOUT_SECONDS', '');
    expect(answerBy(ListSessionProcesses.timeout, {}, 1_000)).toBe(1_000 + 30_000 - 2_000);
    // A log-off with -Wait: the client waits 120 s.
    expect(answerBy(LogoffSessions.timeout, { Wait: true }, 0)).toBe(118_000);
    vi.stubEnv('SESSIONTOOLS_RPC_TIMEOUT_SECONDS', '10');
    expect(answerBy(ListSessionProcesses.timeout, {}, 0)).toBe(8_000);
    vi.stubEnv('SESSIONTOOLS_RPC_TIMEOUT_SECONDS', '4');
    expect(answerBy(ListSessionProcesses.timeout, {}, 0)).toBe(2_000);
  });

  it("is half the client's wait when the wait is shorter than 4 s", () => {
    vi.stubEnv('SESSIONTOOLS_RPC_TIMEOUT_SECONDS', '3');
    expect(answerBy(ListSessionProcesses.timeout, {}, 500)).toBe(500 + 1_500);
    vi.stubEnv('SESSIONTOOLS_RPC_TIMEOUT_SECONDS', '1');
    expect(answerBy(LogoffSessions.timeout, {}, 0)).toBe(500);
  });

  it("of a message waiting for its answer is 2 s before the client's wait: the message's -TimeoutSec plus 30 s", () => {
    vi.stubEnv('SESSIONTOOLS_RPC_TIMEOUT_SECONDS', '');
    expect(answerBy(SendMessage.timeout, { TimeoutSec: 60 }, 0)).toBe(88_000);
    expect(answerBy(SendMessage.timeout, { TimeoutSec: 0 }, 0)).toBe(28_000);
  });
});
