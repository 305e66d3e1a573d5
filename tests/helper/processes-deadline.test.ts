/**
 * Get-UserSessionProcess across computers, one of which never answers (it went away after the
 * listing: its calls hold until Windows gives up), still answers before the client stops waiting:
 * that computer's targets ComputerTimeout, the other computers' processes as listed. Before, the
 * whole answer waited for that computer, the client stopped the helper at its timeout
 * (HelperTimeout) and every computer's processes were lost. The real helper process on the wtsapi32
 * double; the client's wait made 4 s (SESSIONTOOLS_RPC_TIMEOUT_SECONDS, which the helper inherits):
 * answered at 2 s.
 */
import { hostname } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FixtureServer } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

const server = (name: string, latencyMs?: number): FixtureServer => ({
  name,
  latencyMs,
  sessions: [
    { id: 2, state: 'Active', winStation: 'RDP-Tcp#2', user: 'alice', domain: 'LAB' },
    { id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'bob', domain: 'LAB' },
  ],
  processes: [
    { session: 2, pid: 100, name: 'explorer.exe', user: 'alice', domain: 'LAB', workingSet: 10 },
    { session: 3, pid: 200, name: 'excel.exe', user: 'bob', domain: 'LAB', workingSet: 20 },
  ],
});
// Every call on gone's handles takes a minute: a computer that stopped answering.
const SERVERS = [server('.'), server('srv1'), server('gone', 60_000)];

interface Process {
  ComputerName: string;
  SessionId: number;
  Id: number;
}
interface TargetError {
  ErrorId: string;
  Message: string;
  Target: number;
  ComputerName: string;
}

describe('the processes of sessions on a computer that never answers', () => {
  it("its targets ComputerTimeout before the client's time is up; the other computers' processes in target order", async () => {
    const wts = startWtsHelper(SERVERS, {}, undefined, { SESSIONTOOLS_RPC_TIMEOUT_SECONDS: '4' });
    // Started and answering, as the client has it before it sends (and its clock starts).
    await wts.list({});
    const targets = [
      { SessionId: 3, ComputerName: 'srv1' },
      { SessionId: 2, ComputerName: 'gone' },
      { SessionId: 2 },
      { SessionId: 3, ComputerName: 'GONE' },
      { SessionId: 2, ComputerName: 'SRV1' },
    ];
    const started = Date.now();
    const answer = await wts.helper.request('sessions.processes', { Targets: targets }, 'p', 10_000);
    const took = Date.now() - started;
    expect(answer.error).toBeUndefined();
    // The client waits 4 s; the helper answers what it has 2 s before (at most 2 s, at most half).
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(4_000);
    const { Items, Errors } = answer.result as { Items: Process[]; Errors: TargetError[] };
    expect(Items.map((p) => [p.ComputerName, p.SessionId, p.Id])).toEqual([
      ['srv1', 3, 200],
      [hostname(), 2, 100],
      // One listing per computer: its processes carry the computer's name as first spelled.
      ['srv1', 2, 100],
    ]);
    const late = (id: number, on: string): TargetError => ({
      ErrorId: 'ComputerTimeout',
      Target: id,
      ComputerName: on,
      Message: `Listing the processes of session ${id} on ${on} was not answered before the command's time ran out: ${on} did not answer, or the call still waits for a free slot (calls to computers that do not answer hold theirs).`,
    });
    expect(Errors).toEqual([late(2, 'gone'), late(3, 'GONE')]);
  });

  it('computers that answer in time are not held to the deadline; a session named twice gets its processes twice, errors in target order', async () => {
    // The client waits 10 s here: the helper would answer what it has at 8 s.
    const wts = startWtsHelper(SERVERS, {}, undefined, { SESSIONTOOLS_RPC_TIMEOUT_SECONDS: '10' });
    const started = Date.now();
    const targets = [{ SessionId: 3, ComputerName: 'srv1' }, { SessionId: 9 }, { SessionId: 2 }, { SessionId: 3, ComputerName: 'SRV1' }, { SessionId: 9, ComputerName: 'srv1' }];
    const answer = await wts.helper.request('sessions.processes', { Targets: targets }, 'p', 10_000);
    expect(Date.now() - started).toBeLessThan(4_000);
    const { Items, Errors } = answer.result as { Items: Process[]; Errors: TargetError[] };
    expect(Items.map((p) => [p.ComputerName, p.SessionId, p.Id])).toEqual([
      ['srv1', 3, 200],
      [hostname(), 2, 100],
      ['srv1', 3, 200],
    ]);
    expect(Errors.map((e) => [e.ErrorId, e.ComputerName, e.Target])).toEqual([
      ['SessionNotFound', hostname(), 9],
      ['SessionNotFound', 'srv1', 9],
    ]);
    // srv1 was asked once for session 3, though it was named twice.
    const asked = wts.events().flatMap((e) => (e.event === 'call' && e.fn === 'WTSEnumerateProcessesExW' && e.server === 'srv1' ? [e.session] : []));
    expect(asked.sort()).toEqual([3, 9]);
  });
});
