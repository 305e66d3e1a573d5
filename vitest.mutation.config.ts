/**
 * The suites mutation testing runs (npm run mutation; see stryker.config.mjs): those that
 * exercise src/helper, src/protocol and src/backend through real processes, the helper and the
 * wtsapi32 double. Not the fuzz run (a new random seed each time, and slow), the hanging-hosts run
 * (tests/helper/wts-hosts-hang.test.ts: 20 s of waiting for what fanout and pool tests check in
 * one), the message run that waits out a message's 15 s timeout (tests/helper/wts-message-timeout.test.ts:
 * the ComputerTimeout branch of src/backend/wts/message.ts is left to npm test, docs/mutation.md), the
 * PowerShell, sshd, Wine and codegen suites (they test other code, or read the sources as text).
 */
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.ts';

/**
 * The suites, in the order a mutant's covering tests run: quick in-process ones first, the ones
 * that wait out grace periods, latencies and timeouts last. Stryker stops at the first failing
 * test (bail), and vitest would otherwise start with the longest file of the last run.
 */
const SUITES = [
  'tests/helper/lines.test.ts',
  'tests/helper/answer-by.test.ts',
  'tests/helper/answer-text.test.ts',
  'tests/helper/wildcard.test.ts',
  'tests/helper/fanout-timers.test.ts',
  'tests/linux-backend/address.test.ts',
  'tests/linux-backend/layout.test.ts',
  'tests/linux-backend/list.test.ts',
  'tests/wts/record-bytes.test.ts',
  'tests/wts/backend.test.ts',
  'tests/wts/client-address.test.ts',
  'tests/wts/filetime.test.ts',
  'tests/wts/pool-start-failure.test.ts',
  'tests/helper/wts-classic.test.ts',
  'tests/helper/wts-classic-failure.test.ts',
  'tests/helper/wts-no-library.test.ts',
  'tests/helper/wts-action-look.test.ts',
  'tests/helper/wts-action-refused.test.ts',
  'tests/helper/wts-processes.test.ts',
  'tests/helper/wts-unknown-state.test.ts',
  'tests/helper/wts-lanes.test.ts',
  'tests/helper/wts-remote-ended.test.ts',
  'tests/helper/stdin-error.test.ts',
  'tests/helper/console-stderr.test.ts',
  'tests/helper/initialize.test.ts',
  'tests/helper/message-params.test.ts',
  'tests/helper/current-wts.test.ts',
  'tests/helper/wts-this-computer.test.ts',
  'tests/helper/wts-message.test.ts',
  'tests/helper/empty-computer.test.ts',
  'tests/helper/rpc.test.ts',
  'tests/helper/current.test.ts',
  'tests/wts/list.test.ts',
  'tests/wts/describe.test.ts',
  'tests/linux-backend/*.test.ts',
  'tests/wts/pool.test.ts',
  'tests/wts/pool-dispatch.test.ts',
  'tests/wts/pool-urgent.test.ts',
  'tests/wts/pool-give-up.test.ts',
  'tests/wts/pool-async.test.ts',
  'tests/wts/async-shutdown.test.ts',
  'tests/wts/async-slots.test.ts',
  'tests/wts/listing-timeout.test.ts',
  'tests/wts/processes.test.ts',
  'tests/helper/logoff-timing.test.ts',
  'tests/helper/eof.test.ts',
  'tests/helper/stuck-exit.test.ts',
  'tests/linux-backend/logoff.test.ts',
  'tests/linux-backend/logoff-pid-reuse.test.ts',
  'tests/wts/layout.test.ts',
  'tests/helper/fanout.test.ts',
  'tests/helper/fanout-queue.test.ts',
  'tests/helper/fanout-async.test.ts',
  'tests/helper/answer-timeout.test.ts',
  'tests/helper/action-deadline.test.ts',
  'tests/helper/processes-deadline.test.ts',
  // Each of their tests waits over a second (progress starts after one): last.
  'tests/helper/progress-edges.test.ts',
  'tests/helper/progress.test.ts',
];

/** The place of a test file in SUITES: its own entry, else that of its folder's pattern. */
function rank(file: string): number {
  const exact = SUITES.indexOf(file);
  if (exact >= 0) return exact;
  const folder = SUITES.indexOf(`${file.slice(0, file.lastIndexOf('/'))}/*.test.ts`);
  return folder >= 0 ? folder : SUITES.length;
}

class SuiteOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const of = (f: TestSpecification) => rank(relative(process.cwd(), f.moduleId).replaceAll('\\', '/'));
    return [...files].sort((a, b) => of(a) - of(b));
  }
}

/**
 * Tests that mutation runs skip (setup.ts skips a test whose file and name contain these), each
 * because it waits long for what quicker tests of the same code check, and would run for every
 * mutant it covers that survives:
 */
const LEFT_OUT: [file: string, name: string][] = [
  // 10 s idle, 35 s under load: the scale of a logoff (1,000 leaders); the escalation and
  // waiting it runs are each checked on one or two leaders by the other tests of the file.
  ['tests/linux-backend/logoff.test.ts', 'ends 1,000 sessions at once'],
  // 8 s: the declared default ThrottleLimit; the limit itself is checked at 2 and 6 by the test
  // before it, and the default's value is data read by codegen and the module tests.
  ['tests/helper/fanout.test.ts', 'at once when ThrottleLimit is not given'],
  // 30 s: 120 helpers ended while their workers start, to catch a race that shows in a few of
  // them; pool.close()'s wait for a starting worker is also reached by the pool tests.
  ['tests/helper/stuck-exit.test.ts', 'while its workers are still starting'],
  // 5 s, and charged to about 1,000 mutants (the WTS fan-out it runs through): that a client that
  // did not ask for progress gets none is also seen by every helper test that waits over a second
  // for its answer (rpc, eof): their next line would be a notification, not the answer.
  ['tests/helper/progress.test.ts', 'a client that did not ask gets none'],
  // 2 to 5.5 s each: the default log-off grace periods (LOGOFF_TIMING, 2 s / 3 s), one test per
  // layer. Those constants are static (Ignored); every other test of the escalation runs it with
  // shorter bounds (SESSIONTOOLS_LOGOFF_TIMING_MS, the backend's logoffTiming), and the default's
  // use is reached by the tests that log off a plain leader with the default backend and helper.
  ['tests/linux-backend/escalation.test.ts', 'by default, a leader that ignores SIGHUP gets SIGTERM 2 s later'],
  ['tests/linux-backend/logoff.test.ts', 'wait=true, the default timing'],
  ['tests/helper/logoff-timing.test.ts', 'without the variable, the default'],
];

export default defineConfig({
  test: {
    ...base.test,
    include: SUITES,
    sequence: { sequencer: SuiteOrder },
    exclude: [
      ...configDefaults.exclude,
      // Counts this process's reads (/proc/self/io) and timers: under Stryker the tests run in a
      // thread of Stryker's runner process, whose own reads count too, so it fails with or
      // without a mutant.
      'tests/linux-backend/logoff-batch.test.ts',
    ],
    // A mutant that makes a test wait forever fails it here (killed) instead of running into
    // Stryker's timeout (1.5 x the covering tests' dry-run time + 5 s, then a new test runner):
    // 20 s is over three times the longest test of these suites in a dry run (6 s).
    testTimeout: 20_000,
    setupFiles: ['tests/mutation/setup.ts'],
    provide: { mutationLeftOut: LEFT_OUT },
    reporters: ['default'],
  },
});
