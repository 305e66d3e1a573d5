/**
 * koffi's settings for the asynchronous calls of a remote listing (src/backend/wts/async-calls.ts):
 * in a process where the backend loads the library first, as in the helper, koffi keeps memory
 * for RESIDENT_ASYNC_POOLS calls (so fewer calls map and unmap memory of their own,
 * docs/wts-api.md 5.9) and accepts as many calls at once as there are slots.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RESIDENT_ASYNC_POOLS } from '../../src/backend/wts/async-calls.ts';
import { ROOT } from '../support/module.ts';
import { buildDouble, writeFixture } from './support/double.ts';

const dir = mkdtempSync(join(tmpdir(), 'st-wts-koffi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a remote listing sets koffi's resident async pools to their maximum (32) and its call limit to the slots, before loading the library", () => {
  const fixture = join(dir, 'fixture.txt');
  writeFixture(fixture, [{ name: '.', sessions: [] }, { name: 'srv1', sessions: [{ id: 2, state: 'Active', winStation: 'RDP-Tcp#2', user: 'ann', domain: 'LAB' }] }]);
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tests', 'wts', 'support', 'koffi-settings.ts'), buildDouble('linux'), 'srv1'], {
    cwd: ROOT,
    env: { ...process.env, WTSDOUBLE_FIXTURE: fixture, UV_THREADPOOL_SIZE: '8' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(RESIDENT_ASYNC_POOLS).toBe(32);
  expect(JSON.parse(out)).toMatchObject({ users: ['ann'], config: { resident_async_pools: 32, max_async_calls: 300 } });
});
