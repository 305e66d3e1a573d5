/**
 * libuv's thread pool, which runs koffi's asynchronous calls (wts-api.md 5.9): its size, read the
 * way libuv reads it, and how many of its threads the WTS calls may hold at once.
 *
 * libuv sizes the pool once, when the process first uses it, from UV_THREADPOOL_SIZE in the
 * environment the process STARTED with (setting it from code is too late, wts-api.md 5.9). The
 * module's client sets it for the helper (HelperProcess.cs); a helper started by anything else has
 * libuv's default of 4 threads: correct, with fewer WTS calls at once.
 */

/** libuv's default and its largest pool (uv_threadpool's MAX_THREADPOOL_SIZE). */
export const LIBUV_DEFAULT_THREADS = 4;
export const LIBUV_MAX_THREADS = 1024;

/**
 * Threads kept for the helper's own file and DNS work: WTS calls never take them, so that a pool
 * full of calls to hosts that hang cannot stall the helper's stdio (under Wine the helper reads its
 * stdin and writes its stdout through the pool, main.ts) or anything else it does with files.
 */
export const THREADS_KEPT_FREE = 2;

/** The pool's size as libuv computes it from `value` (atoi; 0 means 1; above the maximum: the maximum). */
export function threadPoolSize(value: string | undefined = process.env.UV_THREADPOOL_SIZE): number {
  if (value === undefined) return LIBUV_DEFAULT_THREADS;
  const parsed = /^\s*[+-]?\d+/.exec(value);
  const n = parsed === null ? 0 : Number.parseInt(parsed[0], 10);
  // libuv keeps the count in an unsigned int: a negative value wraps to a huge one.
  if (n < 0 || n > LIBUV_MAX_THREADS) return LIBUV_MAX_THREADS;
  return n === 0 ? 1 : n;
}

/** How many WTS calls may hold pool threads at once (running or given up on): all but THREADS_KEPT_FREE, at least one. */
export function nativeCallLimit(threads: number = threadPoolSize()): number {
  return Math.max(1, threads - THREADS_KEPT_FREE);
}
