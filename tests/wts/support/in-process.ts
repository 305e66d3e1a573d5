/**
 * The set-up shared by the files that test the WTS backend in this process on the wtsapi32 double:
 * the double built once, a temp folder (removed after the file), and for each test a new fixture
 * file and log (useDoubleFiles) and, with `poolSize`, a new backend. After each test the backend is
 * closed and the test fails unless the double's log shows every buffer freed, no bad free and
 * every opened server handle closed (waiting up to 10 s for workers a test abandoned).
 * Call it at the top of a test file; read the fields inside hooks and tests (they change per test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { Backend } from '../../../src/backend/backend.ts';
import { createWtsBackend } from '../../../src/backend/wts/index.ts';
import { buildDouble, handlesClosed, leakedBuffers, readLog, useDoubleFiles } from './double.ts';

export interface DoubleInProcess {
  /** The double's .so. */
  library: string;
  /** This test's fixture file (write it with writeFixture). */
  fixture: string;
  /** This test's log of the double. */
  log: string;
  /** This test's backend (poolSize workers); unset without `poolSize`. */
  backend: Backend;
}

export function useDoubleInProcess(name: string, options: { poolSize?: number } = {}): DoubleInProcess {
  const work = mkdtempSync(join(tmpdir(), `st-wts-${name}-`));
  const d = { library: '', fixture: '', log: '' } as DoubleInProcess;
  let testNo = 0;
  beforeAll(() => {
    d.library = buildDouble('linux');
  });
  beforeEach(() => {
    testNo++;
    d.fixture = join(work, `fixture-${testNo}.txt`);
    d.log = join(work, `log-${testNo}.txt`);
    useDoubleFiles(d.fixture, d.log);
    if (options.poolSize !== undefined) d.backend = createWtsBackend({ libraryPath: d.library, poolSize: options.poolSize });
  });
  afterEach(async () => {
    if (options.poolSize !== undefined) await d.backend.close?.();
    expect(await handlesClosed(d.log, 10_000)).toBe(true);
    const events = readLog(d.log);
    expect(leakedBuffers(events)).toEqual([]);
    expect(events.filter((e) => e.event === 'badfree')).toEqual([]);
    expect(events.filter((e) => e.event === 'close' && e.ok).length).toBe(events.filter((e) => e.event === 'open').length);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  return d;
}
