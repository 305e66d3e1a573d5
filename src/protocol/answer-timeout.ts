/**
 * How long the module's client waits for the answer to a request (method.ts TimeoutPolicy), computed
 * here the way the compiled client computes it (src/dotnet/SessionTools.Types/Client/Methods.cs,
 * MethodInfo.TimeoutMs), so that the helper can answer before the client gives up and stops it. The
 * two are held together by tests/helper/answer-timeout.test.ts (this function, on the declared
 * policies) and tests/wts/WtsSlots.Tests.ps1 and WtsDeadline.Tests.ps1 (the client's wait, through
 * the real module and helper: the helper's answers come before it ends). Both read the same policy,
 * which codegen writes into Methods.cs (MethodInfo), so neither restates it.
 */
import type { TimeoutPolicy } from './method.ts';

/** The most a wait may be: about 24 days, the most a millisecond count in an int holds (Methods.cs MaxSeconds). */
export const MAX_ANSWER_SECONDS = Math.floor(2147483647 / 1000);

/** What .NET's double.TryParse(NumberStyles.Float, InvariantCulture) takes: a decimal number, no thousands separator, no hex. */
const FLOAT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The client's wait in ms for a request with these params (checked: every field present, absent
 * ones holding their defaults). `override`: SESSIONTOOLS_RPC_TIMEOUT_SECONDS as the client sees it
 * (the helper inherits the client's environment); a number of at least 1 replaces the policy.
 */
export function answerTimeoutMs(policy: TimeoutPolicy, params: Readonly<Record<string, unknown>>, override: string | undefined): number {
  let seconds = policy.seconds;
  const fromEnv = FLOAT.test(override ?? '') ? Number(override) : NaN;
  if (fromEnv >= 1) seconds = Math.floor(fromEnv);
  else {
    if (policy.whenFlag && params[policy.whenFlag.field] === true) seconds = Math.max(seconds, policy.whenFlag.seconds);
    const r = policy.perRound;
    if (r) {
      // Without rounds: one round (every computer at once).
      const rounds = r.rounds === undefined ? 1 : Math.ceil(count(params[r.rounds.items]) / Math.max(1, Number(params[r.rounds.size])));
      seconds = Math.max(seconds, rounds * Number(params[r.each]) + r.plus);
    }
  }
  return Math.min(seconds, MAX_ANSWER_SECONDS) * 1000;
}

/**
 * The items of a list param. Checked params hold every list as an array (validate.ts refuses
 * anything else), so the single string that Methods.cs also counts as one never gets here.
 */
function count(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}
