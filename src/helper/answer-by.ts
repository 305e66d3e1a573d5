/**
 * When the helper answers what it has, at the latest: shortly before the module's client stops
 * waiting for the answer (answer-timeout.ts) and stops the helper, which would lose every answer
 * the request had gathered (HelperTimeout). The helper inherits the client's environment, so it
 * sees the client's SESSIONTOOLS_RPC_TIMEOUT_SECONDS too.
 */
import { answerTimeoutMs } from '../protocol/answer-timeout.ts';
import type { TimeoutPolicy } from '../protocol/method.ts';

/** How long before the client's own timeout: at most 2 s, at most half the wait. */
const ANSWER_MARGIN_MS = 2_000;

/** The moment (Date.now() time) by which a request with these checked params is answered. */
export function answerBy(policy: TimeoutPolicy, params: Readonly<Record<string, unknown>>, now = Date.now()): number {
  const clientWaitMs = answerTimeoutMs(policy, params, process.env.SESSIONTOOLS_RPC_TIMEOUT_SECONDS);
  return now + clientWaitMs - Math.min(ANSWER_MARGIN_MS, clientWaitMs / 2);
}
