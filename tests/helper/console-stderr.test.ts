/**
 * The helper's stdout carries protocol only: console output of any code loaded into it (here a
 * module NODE_OPTIONS preloads, as a user's environment may) goes to stderr, one line per call,
 * its arguments as text separated by spaces, whatever they are.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HelperProcess, PROTOCOL_VERSION, stopAllHelpers } from './support.ts';

let dir: string;
let preload: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'st-console-'));
  preload = join(dir, 'logs.mjs');
  // Logs through each console method once the helper has written its first answer (that to the
  // initialize HelperProcess.start sends).
  writeFileSync(
    preload,
    [
      'const wait = setInterval(() => {',
      '  if (process.stdout.bytesWritten === 0) return;',
      '  clearInterval(wait);',
      "  console.log('log:', 42, Symbol('s'), { a: 1 });",
      "  console.info('info'); console.debug('debug'); console.warn('warn');",
      "  console.error(new Error('error'));",
      '}, 10);',
      'wait.unref();',
    ].join('\n'),
  );
});
afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('console output inside the helper', () => {
  it('goes to stderr, one line per call; stdout holds only the answers', async () => {
    const h = HelperProcess.start({
      env: {
        SESSIONTOOLS_UTMP_PATH: join(dir, 'utmp'),
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(preload).href}`.trim(),
      },
    });
    const expected = ['log: 42 Symbol(s) [object Object]', 'info', 'debug', 'warn', 'Error: error'];
    for (let i = 0; i < 100 && !expected.every((line) => h.stderr.includes(line)); i++) await new Promise((r) => setTimeout(r, 50));
    const answer = await h.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 'after');
    expect(answer.result).toMatchObject({ ProtocolVersion: PROTOCOL_VERSION });
    h.closeStdin();
    expect(await h.exitWithin(5_000)).toEqual({ code: 0, signal: null });
    expect(h.stderr.split('\n').filter((line) => !line.startsWith('(node:'))).toEqual([...expected, '']);
    expect(h.partialStdout.length).toBe(0);
    for (const line of h.lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
  });
});
