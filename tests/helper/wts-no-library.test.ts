/**
 * A WTS backend whose library cannot be loaded (SESSIONTOOLS_WTSAPI_PATH names no file; on Windows
 * a wtsapi32 that fails to load): the helper starts and stays up, and every method answers each
 * computer and each session with BackendFailed naming the load failure, on this computer (the
 * worker threads) and on a remote one (the asynchronous calls) alike; nothing is a crash or an
 * empty answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperProcess, stopAllHelpers } from './support.ts';

let dir: string;
let helper: HelperProcess;
let cause: string;
let requestNo = 0;
const HERE = hostname();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'st-wts-nolib-'));
  const missing = join(dir, 'missing', 'libwtsapi32.so');
  // koffi's own wording of a dlopen failure (the rest of the text is the backend's).
  cause = `Cannot load SESSIONTOOLS_WTSAPI_PATH=${missing}: Failed to load shared library: cannot open shared object file: No such file or directory`;
  helper = HelperProcess.start({ env: { SESSIONTOOLS_WTSAPI_PATH: missing } });
});
afterAll(async () => {
  await stopAllHelpers();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, params: unknown): Promise<Record<string, unknown>> {
  const answer = await helper.request(method, params, `r${++requestNo}`, 20_000);
  expect(answer.error).toBeUndefined();
  return answer.result as Record<string, unknown>;
}

const targets = [{ SessionId: 3 }, { SessionId: 4, ComputerName: 'srv1' }];
const failed = (what: (id: number, on: string) => string) =>
  targets.map((t) => {
    const on = t.ComputerName ?? HERE;
    return { ErrorId: 'BackendFailed', Message: `${what(t.SessionId, on)} failed: ${cause}`, Target: t.SessionId, ComputerName: on };
  });

describe('a WTS library that cannot be loaded', () => {
  it('fails the listing of each computer, here and remote, with the load failure', async () => {
    const result = await call('sessions.list', { ComputerName: ['.', 'srv1'] });
    expect(result.Items).toEqual([]);
    // A listing's error names the computer as it was asked for (fanout.ts); its text, the host name.
    expect(result.Errors).toEqual([
      { ErrorId: 'BackendFailed', Message: `Listing the sessions of ${HERE} failed: ${cause}`, Target: '.', ComputerName: '.' },
      { ErrorId: 'BackendFailed', Message: `Listing the sessions of srv1 failed: ${cause}`, Target: 'srv1', ComputerName: 'srv1' },
    ]);
  });

  it('fails -Current the same way (no session is current when none can be read)', async () => {
    const result = await call('sessions.list', { Current: true });
    expect(result).toEqual({ Items: [], Errors: [{ ErrorId: 'BackendFailed', Message: `Listing the sessions of ${HERE} failed: ${cause}`, Target: HERE, ComputerName: HERE }] });
  });

  it('fails each log-off and disconnect, here and remote', async () => {
    for (const [method, verb] of [['sessions.logoff', 'Logging off'], ['sessions.disconnect', 'Disconnecting']] as const) {
      const result = await call(method, { Targets: targets, Wait: true });
      const errors = failed((id, on) => `${verb} session ${id} on ${on}`);
      expect(result.Outcomes).toEqual(targets.map((t, i) => ({ Target: t, Item: null, Error: errors[i] })));
    }
  });

  it('fails each message and each process listing, here and remote', async () => {
    const messages = await call('sessions.message', { Targets: targets, Text: 'hello' });
    const messageErrors = failed((id, on) => `Sending a message to session ${id} on ${on}`);
    expect(messages.Outcomes).toEqual(targets.map((t, i) => ({ Target: t, Item: null, Error: messageErrors[i] })));

    const processes = await call('sessions.processes', { Targets: targets });
    expect(processes).toEqual({ Items: [], Errors: failed((id, on) => `Listing the processes of session ${id} on ${on}`) });
  });

  it('leaves the helper running', async () => {
    const answer = await helper.request('sessions.list', { ComputerName: ['srv2'] }, 'still-up', 20_000);
    expect((answer.result as { Errors: { ComputerName: string }[] }).Errors.map((e) => e.ComputerName)).toEqual(['srv2']);
    expect(helper.exit).toBeNull();
  });
});
