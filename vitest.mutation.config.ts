/**
 * The suites mutation testing runs (npm run mutation; see stryker.config.mjs): those that
 * exercise src/helper, src/protocol and src/backend through real processes, the helper and the
 * wtsapi32 double. Not the fuzz run (a new random seed each time, and slow), the hanging-hosts run
 * (tests/helper/wts-hosts-hang.test.ts: 20 s of waiting for what fanout and pool tests check in
 * one), the PowerShell, sshd, Wine and codegen suites (they test other code, or read the sources
 * as text).
 */
import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  test: {
    ...base.test,
    include: [
      'tests/helper/rpc.test.ts',
      'tests/helper/fanout.test.ts',
      'tests/helper/wts-classic.test.ts',
      'tests/helper/eof.test.ts',
      'tests/linux-backend/*.test.ts',
      'tests/wts/backend.test.ts',
      'tests/wts/pool.test.ts',
      'tests/wts/pool-dispatch.test.ts',
      'tests/wts/list.test.ts',
      'tests/wts/layout.test.ts',
    ],
    exclude: [
      ...configDefaults.exclude,
      // Counts this process's reads (/proc/self/io) and timers: under Stryker the tests run in a
      // thread of Stryker's runner process, whose own reads count too, so it fails with or
      // without a mutant.
      'tests/linux-backend/logoff-batch.test.ts',
    ],
    setupFiles: ['tests/mutation/setup.ts'],
    reporters: ['default'],
  },
});
