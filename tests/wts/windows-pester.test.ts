/**
 * The Windows stack's Pester files in the Windows build of PowerShell 7.6.9 under wine64
 * (tests/support/wine-pwsh.ts), against the module staged for Windows (tools/stage-windows.ts:
 * node.exe, the helper bundled with koffi's win32-x64 binary) and the wtsapi32 double built as a
 * Windows DLL by mingw-w64. The fixture server runs on Windows node.exe too.
 *
 * Pester runs ONCE, while this file is collected (the test names come from its results); then each
 * Pester test is one test here, failing with Pester's message, so `npm test` counts them.
 * Without Wine, mingw-w64 or the .NET SDK the file is skipped and says why; under CI=true it fails.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeWinePrefix, ROOT, timings, toWindowsPath } from '../support/wine.ts';
import {
  createWindowsPwshPrefix, pesterEnvironment, prepareWindowsPwshKit, runWindowsPwsh, windowsPwshUnavailable, type WindowsPwshRun,
} from '../support/wine-pwsh.ts';
import { buildDouble } from './support/double.ts';

/** The Pester files run under Wine: the Windows stack (portable), then the Windows-only ones. */
const PESTER_FILES = [join(ROOT, 'tests', 'wts', 'WtsStack.Tests.ps1'), join(ROOT, 'tests', 'windows-pwsh', 'WindowsHost.WineTests.ps1')].filter((f) => existsSync(f));
/**
 * Hosts in WtsStack's fan-out test. Under Wine each host costs a worker-thread call through Wine's
 * thread and timer emulation; 40 keeps a hanging and a refusing host and a slice of good ones.
 */
const FANOUT = '40';
/** The whole Pester run (measured here: ~40 s with a warm cache on 2 cores). */
const RUN_TIMEOUT_MS = 10 * 60_000;

interface PesterTest { file: string; name: string; result: string; ms: number; error: string }
interface PesterContainer { file: string; result: string; error: string }
interface Outcome {
  tests: PesterTest[];
  containers: PesterContainer[];
  run: WindowsPwshRun;
  leftovers: { pid: number; cmd: string }[];
}

async function runPesterUnderWine(): Promise<Outcome> {
  const kit = await prepareWindowsPwshKit();
  const dll = buildDouble('windows');
  const prefix = await createWindowsPwshPrefix();
  const out = mkdtempSync(join(tmpdir(), 'st-wine-pester-'));
  const resultFile = join(out, 'pester.json');
  let run: WindowsPwshRun;
  try {
    run = await runWindowsPwsh({
      kit,
      prefix,
      timeoutMs: RUN_TIMEOUT_MS,
      args: ['-NoProfile', '-NonInteractive', '-File', toWindowsPath(join(ROOT, 'tests', 'windows-pwsh', 'run-pester.ps1')), '-ResultPath', toWindowsPath(resultFile), ...PESTER_FILES.map(toWindowsPath)],
      env: { ...pesterEnvironment(kit), SESSIONTOOLS_TEST_WTSAPI: toWindowsPath(dll), SESSIONTOOLS_TEST_FANOUT: FANOUT },
    });
  } catch (e) {
    await disposeWinePrefix(prefix);
    rmSync(out, { recursive: true, force: true });
    throw e;
  }
  // Everything of the prefix (node.exe helpers, the fixture server) must be gone by now.
  const leftovers = await disposeWinePrefix(prefix);
  const written = existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : null;
  rmSync(out, { recursive: true, force: true });
  if (written === null) throw new Error(`Pester wrote no results (exit ${run.code})\nstdout: ${run.stdout.slice(-6000)}\nstderr: ${run.stderr.slice(-4000)}`);
  const parsed = JSON.parse(written) as { tests: PesterTest[] | null; containers: PesterContainer[] | null };
  return { tests: parsed.tests ?? [], containers: parsed.containers ?? [], run, leftovers };
}

const unavailable = windowsPwshUnavailable();
if (unavailable) console.warn(`Windows PowerShell suite skipped: ${unavailable}`);

const started = Date.now();
const outcome: Outcome | Error | null = unavailable ? null : await runPesterUnderWine().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
if (outcome && !(outcome instanceof Error)) {
  console.log(`Windows PowerShell under Wine: ${outcome.tests.length} Pester tests in ${Date.now() - started} ms; ${JSON.stringify(timings)}`);
}

describe.skipIf(unavailable !== null)('Pester in Windows PowerShell under wine64', () => {
  const ran = (): Outcome => {
    if (outcome instanceof Error) throw outcome;
    return outcome as Outcome;
  };

  it('ran every Pester file to the end and left no Wine process behind', () => {
    const { run, containers, leftovers, tests } = ran();
    expect(run.code, run.stderr).toBe(0);
    expect(containers.map((c) => ({ file: c.file, error: c.error }))).toEqual(PESTER_FILES.map((f) => ({ file: toWindowsPath(f), error: '' })));
    for (const f of PESTER_FILES) expect(tests.some((t) => t.file === basename(f)), `no test ran from ${f}`).toBe(true);
    expect(leftovers, 'Wine processes that outlived wineserver -k').toEqual([]);
  });

  const tests = outcome && !(outcome instanceof Error) ? outcome.tests : [];
  for (const t of tests) {
    it.skipIf(t.result === 'Skipped')(`${t.file}: ${t.name}`, () => {
      if (t.result !== 'Passed') throw new Error(`Pester says ${t.result}:\n${t.error}`);
    });
  }
});
