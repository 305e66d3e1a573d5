/**
 * Starts one WTS worker thread, from the bundle or from source.
 *
 * - Bundled (module/bin/helper.mjs): the worker is module/bin/wts-worker.mjs, the second esbuild
 *   entry point (src/backend/wts/worker-main.ts), next to the helper: `new URL('./wts-worker.mjs',
 *   import.meta.url)` with import.meta.url being helper.mjs.
 * - From source (tsx, vitest; this file's own URL ends in .ts): the worker is worker-main.ts, which
 *   plain Node cannot run, so the worker first registers tsx's loader (tsx/esm/api, a dev
 *   dependency), then imports it. Vitest's own transform does not reach worker threads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerData } from './jobs.ts';

const HERE = import.meta.url;
const FROM_SOURCE = HERE.endsWith('.ts');

/** The worker's entry file. */
export const WORKER_ENTRY = FROM_SOURCE ? new URL('./worker-main.ts', HERE) : new URL('./wts-worker.mjs', HERE);

/**
 * The ESM build of tsx's API (its exports map's import condition; require.resolve would give the
 * CJS build, which cannot register the ESM loader from a worker's eval code).
 */
function tsxEsmApi(): string {
  const pkgJson = createRequire(HERE).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const entry = pkg.exports['./esm/api']?.import.default;
  if (entry === undefined) throw new Error(`${pkgJson} has no ./esm/api export`);
  return pathToFileURL(join(dirname(pkgJson), entry)).href;
}

/**
 * A worker's own stdout and stderr are kept from the process's: by default Node forwards a
 * worker's console to process.stdout, which is the protocol channel, and reading process.stdout
 * to set that up fails under Wine (EBADF). Both are piped here; anything a worker writes goes to
 * the helper's stderr.
 */
function isolate(worker: Worker): Worker {
  const toStderr = (chunk: Buffer): void => {
    process.stderr.write(chunk);
  };
  worker.stdout.on('data', toStderr);
  worker.stderr.on('data', toStderr);
  return worker;
}

export function startWorker(data: WorkerData): Worker {
  const stdio = { stdout: true, stderr: true };
  if (!FROM_SOURCE) return isolate(new Worker(WORKER_ENTRY, { workerData: data, ...stdio }));
  const tsxApi = tsxEsmApi();
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); });`;
  return isolate(new Worker(boot, { eval: true, workerData: data, ...stdio }));
}
