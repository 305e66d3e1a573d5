/**
 * Counts every vitest test of every suite: prints `vitest: N passed, N failed` (and `, N skipped`)
 * and writes the counts to .tools/test-results/vitest.json for tests/run.ts, which adds Pester's.
 * A suite that fails to load counts as failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { ROOT } from '../../tools/powershell.mjs';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of modules) {
      let tests = 0;
      for (const test of mod.children.allTests()) {
        tests++;
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A module that could not be collected has no tests but an error of its own.
      if (tests === 0 && mod.state() === 'failed') failed++;
    }
    const dir = join(ROOT, '.tools', 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vitest.json'), JSON.stringify({ passed, failed, skipped }));
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed${tail}\n`);
  }
}
