/**
 * `npm test`: every check and both test runners, in one run, closing with the line CI reads:
 * `N passed, N failed` (`, N skipped` when any were skipped), counting both runners.
 *   1. generated files: codegen in check mode BEFORE the build writes anything, so that a hand edit
 *      of a generated file fails the run instead of being overwritten by it;
 *   2. the build (build.ts: tools, codegen, types, helper);
 *   3. the type checker (tsc --noEmit);
 *   4. vitest (TypeScript: protocol, catalog, codegen, helper, backends, the C double, Wine, layouts);
 *   5. Pester (PowerShell: tests/**\/*.Tests.ps1) in the PowerShell under test.
 * `tsx tests/run.ts vitest [args]` or `tsx tests/run.ts pester [paths]` runs one runner (after 1-3).
 * Steps 1 and 3 count as one test each. Exit code 0 only when nothing failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, pesterManifest, pwshPath } from '../tools/powershell.mjs';

interface Counts { passed: number; failed: number; skipped: number }
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const RESULTS = join(ROOT, '.tools', 'test-results');

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const r = spawnSync(file, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) {
    console.error(`run: cannot start ${file}: ${r.error.message}`);
    return 127;
  }
  return r.status ?? 1;
}

function check(name: string, file: string, args: string[]): boolean {
  const ok = run(file, args) === 0;
  console.log(`check ${name}: ${ok ? 'passed' : 'FAILED'}`);
  if (ok) total.passed++;
  else total.failed++;
  return ok;
}

function readCounts(name: string, exitCode: number): Counts {
  const path = join(RESULTS, `${name}.json`);
  if (!existsSync(path)) return { passed: 0, failed: 1, skipped: 0 }; // the runner died before counting
  const c = JSON.parse(readFileSync(path, 'utf8')) as Counts;
  // Counts that are not numbers are a runner that lost its result: never a pass.
  if (![c.passed, c.failed, c.skipped].every((n) => Number.isInteger(n))) return { passed: 0, failed: 1, skipped: 0 };
  // A runner that failed without a failed test (a crash after counting) still fails the run.
  if (exitCode !== 0 && c.failed === 0) c.failed = 1;
  return c;
}

function add(c: Counts): void {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}

const [only, ...rest] = process.argv.slice(2);
const node = process.execPath;
const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

check('generated files match codegen', node, [tsx, 'codegen/generate.ts', '--check']);
if (run(node, [tsx, 'build.ts']) !== 0) {
  console.error('run: the build failed; no test ran');
  total.failed++;
} else {
  check('types (tsc --noEmit)', node, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
  rmSync(join(RESULTS, 'vitest.json'), { force: true });
  rmSync(join(RESULTS, 'pester.json'), { force: true });
  if (only !== 'pester') {
    const code = run(node, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...(only === 'vitest' ? rest : [])]);
    add(readCounts('vitest', code));
  }
  if (only !== 'vitest') {
    const pwsh = pwshPath();
    const code = run(pwsh, ['-NoProfile', '-NonInteractive', '-File', join(ROOT, 'tests', 'pester.ps1'), ...(only === 'pester' ? rest : [])], {
      SESSIONTOOLS_PESTER: pesterManifest(),
      SESSIONTOOLS_TEST_PWSH: pwsh,
      SESSIONTOOLS_TEST_NODE: node,
    });
    const c = readCounts('pester', code);
    console.log(`pester: ${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`);
    add(c);
  }
}
console.log(`\n${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 ? 1 : 0);
