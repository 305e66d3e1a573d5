/**
 * A Stryker reporter (name 'plan', see stryker.config.mjs) that writes .tools/stryker/plan.json:
 * each test of the dry run with its time, and each mutant with the tests Stryker will run for it,
 * its timeout and its estimated cost. It shows where the time of a run goes (tests covering many
 * mutants, slow tests, slow files); `node tests/mutation/plan-summary.mjs` sums it up. During the
 * run it appends each mutant's result to .tools/stryker/tested.jsonl.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

const FILE = '.tools/stryker/plan.json';
const TESTED = '.tools/stryker/tested.jsonl';

class PlanReporter {
  tests = [];

  onDryRunCompleted({ result, timing }) {
    rmSync(TESTED, { force: true });
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

  /** Each result as it comes, one JSON line in .tools/stryker/tested.jsonl (a live view of a run). */
  onMutantTested(result) {
    const line = {
      at: new Date().toISOString(),
      id: result.id,
      file: result.fileName,
      line: result.location.start.line,
      mutator: result.mutatorName,
      replacement: result.replacement,
      status: result.status,
      tests: result.testsCompleted,
      killedBy: result.killedBy,
    };
    appendFileSync(TESTED, `${JSON.stringify(line)}\n`);
  }

  write(mutants) {
    mkdirSync(dirname(FILE), { recursive: true });
    writeFileSync(FILE, JSON.stringify({ timing: this.timing, tests: this.tests, mutants }, null, 1));
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'plan', PlanReporter)];
