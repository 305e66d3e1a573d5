/**
 * A Stryker reporter (name 'plan', see stryker.config.mjs) that writes .tools/stryker/plan.json:
 * each test of the dry run with its time, and each mutant with the tests Stryker will run for it,
 * its timeout and its estimated cost. It shows where the time of a run goes (tests covering many
 * mutants, slow tests, slow files); `node tests/mutation/plan-summary.mjs` sums it up. During the
 * run it appends each mutant's result to .tools/stryker/tested.jsonl, whole (its location, and the
 * tests that covered and killed it, as indexes into plan.json's tests), with the text of every
 * mutated and test file as the run read it in .tools/stryker/sources.json: enough for
 * salvage.mjs to make an incremental file of a run that was stopped (Stryker 9 writes its own
 * only at the end).
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

const FILE = '.tools/stryker/plan.json';
const TESTED = '.tools/stryker/tested.jsonl';
const SOURCES = '.tools/stryker/sources.json';

const rel = (file) => relative(process.cwd(), file).replaceAll('\\', '/');

class PlanReporter {
  tests = [];
  /** Test id -> its index in `tests`. */
  index = new Map();

  onDryRunCompleted({ result, timing }) {
    rmSync(TESTED, { force: true });
    rmSync(SOURCES, { force: true });
    this.timing = timing;
    this.tests = result.tests.map((t) => ({ id: t.id, name: t.name, file: t.fileName, ms: Math.round(t.timeSpentMs) }));
    this.index = new Map(this.tests.map((t, i) => [t.id, i]));
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
    // The texts as they are now: the run's, unless someone edits them in these first seconds.
    const sources = {};
    for (const f of new Set([...mutantPlans.map(({ mutant }) => mutant.fileName), ...this.tests.map((t) => t.file)])) {
      if (f) sources[rel(f)] = readFileSync(f, 'utf8');
    }
    writeFileSync(SOURCES, JSON.stringify(sources));
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
      result: {
        mutatorName: result.mutatorName,
        replacement: result.replacement,
        location: result.location,
        status: result.status,
        statusReason: result.statusReason,
        static: result.static,
        testsCompleted: result.testsCompleted,
        coveredBy: result.coveredBy?.map((id) => this.index.get(id)),
        killedBy: result.killedBy?.map((id) => this.index.get(id)),
      },
    };
    appendFileSync(TESTED, `${JSON.stringify(line)}\n`);
  }

  write(mutants) {
    mkdirSync(dirname(FILE), { recursive: true });
    writeFileSync(FILE, JSON.stringify({ timing: this.timing, tests: this.tests, mutants }, null, 1));
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'plan', PlanReporter)];
