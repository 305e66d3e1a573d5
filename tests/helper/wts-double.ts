/**
 * The real helper process (module/bin, as the module starts it) with the WTS backend on the
 * wtsapi32 test double (tests/wts/double/): each start gets a fixture and a log file of its own,
 * so what the helper did is read back from the double's log.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildDouble,
  leakedBuffers,
  readLog,
  writeFixture,
  type CallEvent,
  type DoubleEvent,
  type FixtureOptions,
  type FixtureServer,
} from '../wts/support/double.ts';
import { HelperProcess, ROOT, type StartOptions } from './support.ts';

export interface WtsHelper {
  helper: HelperProcess;
  fixture: string;
  /** The double's log file. */
  log: string;
  /** Everything the double logged so far. */
  events(): DoubleEvent[];
  /** The double's calls of one function, in the order they ended. */
  calls(fn: CallEvent['fn']): CallEvent[];
  /** Calls the helper and returns the answer's result (fails the test on an error answer). */
  list(params: unknown, timeoutMs?: number): Promise<ListResult>;
}

export interface ListResult {
  Items: Record<string, unknown>[];
  Errors: Record<string, unknown>[];
}

let dir: string | null = null;
let started = 0;

/**
 * UV_THREADPOOL_SIZE as the module gives it to the helper: read from the one place it is set,
 * HelperProcess.cs (libuv's pool, on which the asynchronous WTS calls wait).
 */
export const MODULE_THREADPOOL_SIZE = ((): string => {
  const source = readFileSync(join(ROOT, 'src', 'dotnet', 'SessionTools.Types', 'Client', 'HelperProcess.cs'), 'utf8');
  const value = /const string ThreadPoolSize = "(\d+)";/.exec(source)?.[1];
  if (value === undefined) throw new Error('HelperProcess.cs sets no ThreadPoolSize');
  return value;
})();

/**
 * Starts the helper on the double with these servers, with UV_THREADPOOL_SIZE as the module sets
 * it unless `env` says otherwise (`env` adds to or overrides the helper's environment). Stop it
 * with stopAllHelpers().
 */
export function startWtsHelper(servers: FixtureServer[], options: FixtureOptions = {}, from?: StartOptions['from'], env: Record<string, string | undefined> = {}): WtsHelper {
  dir ??= mkdtempSync(join(tmpdir(), 'st-helper-wts-'));
  const n = ++started;
  const fixture = join(dir, `fixture-${n}.txt`);
  const log = join(dir, `log-${n}.txt`);
  writeFixture(fixture, servers, options);
  const helper = HelperProcess.start({
    env: { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture, WTSDOUBLE_LOG: log, UV_THREADPOOL_SIZE: MODULE_THREADPOOL_SIZE, ...env },
    ...(from ? { from } : {}),
  });
  const events = (): DoubleEvent[] => readLog(log);
  let nextId = 0;
  return {
    helper,
    fixture,
    log,
    events,
    calls: (fn) => events().filter((e): e is CallEvent => e.event === 'call' && e.fn === fn),
    async list(params, timeoutMs = 20_000) {
      const id = `list-${++nextId}`;
      const answer = await helper.request('sessions.list', params, id, timeoutMs);
      if (answer.error !== undefined) throw new Error(`sessions.list failed: ${JSON.stringify(answer)}`);
      return answer.result as ListResult;
    },
  };
}

/** What the double holds that the helper should have given back: live buffers, bad frees, open handles. */
export function leftovers(events: DoubleEvent[]): { leaked: number; badFrees: number; openHandles: number } {
  const opened = events.filter((e) => e.event === 'open').length;
  const closed = events.filter((e) => e.event === 'close' && e.ok).length;
  return { leaked: leakedBuffers(events).length, badFrees: events.filter((e) => e.event === 'badfree').length, openHandles: opened - closed };
}

/** Removes the fixtures and logs of every start (for afterAll). */
export function removeWtsHelperFiles(): void {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
}
