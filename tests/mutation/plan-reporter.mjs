/**
 * A Stryker reporter (name 'plan', see stryker.config.mjs) that writes .tools/stryker/plan.json:
 * each test of the dry run with its time, and each mutant with the tests Stryker will run for it,
 * its timeout and its estimated cost. It shows where the time of a run goes (tests covering many
 * mutants, slow tests, slow files); `node tests/mutation/plan-summary.mjs` sums it up.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

const FILE = '.tools/stryker/plan.json';

class PlanReporter {
  tests = [];

  onDryRunCompleted({ result, timing }) {
    this.timing = timing;
    this.tests = result.tests.map((t) => ({ id: t.id, name: t.name, file: t.fileName, ms: Math.round(t.timeSpentMs) }));
    this.write([]);
  }

  onMutationTestingPlanReady({ mutantPlans }) {
    const mutants = mutantPlans.map(({ plan, mutant, runOptions, netTime }) => ({
      id: mutant.id,
      file: mutant.fileName,
      line: mutant.location.start.line + 1,
      mutator: mutant.mutatorName,
      replacement: mutant.replacement,
      plan,
      status: mutant.status,
      static: mutant.static ?? false,
      tests: runOptions?.testFilter ?? null,
      timeout: runOptions?.timeout ?? null,
      netTime: netTime ?? null,
    }));
    this.write(mutants);
  }

  write(mutants) {
    mkdirSync(dirname(FILE), { recursive: true });
    writeFileSync(FILE, JSON.stringify({ timing: this.timing, tests: this.tests, mutants }, null, 1));
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'plan', PlanReporter)];
