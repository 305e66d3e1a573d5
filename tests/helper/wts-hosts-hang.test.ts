/**
 * The helper process with the WTS backend while ten hosts hang (the double's dead hosts answer
 * only after 8 s), with UV_THREADPOOL_SIZE as the module sets it: it keeps answering other
 * requests, times the hosts out after TimeoutSec, and the asynchronous calls given up on return in
 * the background and free what they return and close their handles. Run from source (tsx) and as
 * build.ts bundles it (the worker module, which this computer's listing uses, next to the helper).
 * Seconds of waiting each: not part of the mutation runs, whose fan-out and pool tests
 * (fanout.test.ts, tests/wts/pool-async.test.ts) check the same at less cost.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/methods.ts';
import { handlesClosed, type FixtureServer } from '../wts/support/double.ts';
import { ROOT, stopAllHelpers, type RpcAnswer, type StartOptions } from './support.ts';
import { leftovers, removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const servers: FixtureServer[] = [
  {
    name: '.',
    sessions: [
      { id: 1, state: 'Active', winStation: 'Console', user: 'alice', domain: 'CORP' },
      { id: 3, state: 'Disconnected', winStation: 'RDP-Tcp#3', user: 'bob', domain: 'CORP' },
    ],
  },
  ...Array.from({ length: 10 }, (_, i) => ({ name: `dead${i}`, latencyMs: 8000, fail: 1722, sessions: [] })),
];
const dead = servers.slice(1).map((s) => s.name);

/**
 * `answerMs`: how fast another request must be answered while the hosts hang. A new worker from
 * source registers tsx and compiles the sources in its thread, which takes seconds on a small
 * machine; from the bundle it takes milliseconds, but a loaded machine can take a second or more.
 * Either way far below the hosts' 8 s.
 */
async function responsiveWhileHostsHang(from: StartOptions['from'], answerMs: number): Promise<void> {
  const wts = startWtsHelper(servers, {}, from);
  expect(((await wts.helper.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 'init', 30_000)) as RpcAnswer).result).toMatchObject({ Backend: 'wts' });
  const started = Date.now();
  const hanging = wts.list({ ComputerName: dead, TimeoutSec: 2 });
  await new Promise((r) => setTimeout(r, 300));
  // The ten hosts hang on libuv's pool threads; the helper answers other requests meanwhile.
  const t0 = Date.now();
  const local = await wts.list({});
  expect(Date.now() - t0).toBeLessThan(answerMs);
  expect(local.Items.map((s) => s.SessionId)).toEqual([1, 3]);
  const answer = await hanging;
  expect(Date.now() - started).toBeLessThan(2000 + answerMs);
  expect(answer).toEqual({
    Items: [],
    Errors: dead.map((name) => ({ ErrorId: 'ComputerTimeout', Message: `${name} did not answer within 2 s.`, Target: name, ComputerName: name })),
  });
  // After the timeouts, this computer is still listed (by its name: the local path).
  expect((await wts.list({ ComputerName: ['localhost'] })).Items).toHaveLength(2);
  // The calls given up on return in the background, free their buffers and close their handles.
  expect(await handlesClosed(wts.log, 12_000)).toBe(true);
  expect(leftovers(wts.events())).toEqual({ leaked: 0, badFrees: 0, openHandles: 0 });
}

describe('the helper process with the WTS backend, while ten hosts hang', () => {
  it('from source: stays responsive, and times them out', async () => {
    await responsiveWhileHostsHang({ args: ['--import', 'tsx', join(ROOT, 'src', 'helper', 'main.ts')], cwd: ROOT }, 6000);
  });

  it('bundled (module/bin/helper.mjs and wts-worker.mjs, as build.ts makes them): the worker is found next to the helper', async () => {
    await responsiveWhileHostsHang(undefined, 3000);
  });
});
