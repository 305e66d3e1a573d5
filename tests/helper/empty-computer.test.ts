/**
 * A computer with no session at all (an empty utmp file), listed through the real helper: an empty
 * listing, and the literal ids and user names asked for are each not found on this computer, by
 * its name (there is no session to take the name from).
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadPid, makeTempDir, removeDir } from '../linux-backend/support.ts';
import { HelperProcess, stopAllHelpers } from './support.ts';

const HOST = hostname();
let dir: string;
let helper: HelperProcess;

beforeAll(() => {
  dir = makeTempDir('st-empty-computer-');
  writeFileSync(join(dir, 'utmp'), '');
  helper = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: join(dir, 'utmp') } });
});
afterAll(async () => {
  await stopAllHelpers();
  removeDir(dir);
});

describe('sessions.list on a computer without sessions', () => {
  it('lists nothing, and no error', async () => {
    expect((await helper.request('sessions.list', {}, 'all', 10_000)).result).toEqual({ Items: [], Errors: [] });
  });

  it('reports an id and a literal user name as not found on this computer; a wildcard matching nothing is silent', async () => {
    const id = await deadPid();
    const answer = await helper.request('sessions.list', { Id: [id], UserName: ['alice', 'b*'] }, 'filtered', 10_000);
    expect(answer.result).toEqual({
      Items: [],
      Errors: [
        { ErrorId: 'SessionNotFound', Message: `No session with id ${id} on ${HOST}.`, Target: id, ComputerName: HOST },
        { ErrorId: 'UserNotFound', Message: `No session of user 'alice' on ${HOST}.`, Target: 'alice', ComputerName: HOST },
      ],
    });
  });

  it('takes a user name of exactly 256 characters (the most accepted), a literal not found', async () => {
    const name = 'u'.repeat(256);
    const answer = await helper.request('sessions.list', { UserName: [name] }, 'longest', 10_000);
    expect(answer.result).toEqual({
      Items: [],
      Errors: [{ ErrorId: 'UserNotFound', Message: `No session of user '${name}' on ${HOST}.`, Target: name, ComputerName: HOST }],
    });
  });

  it('names the computer as it was asked for (localhost)', async () => {
    const answer = await helper.request('sessions.list', { ComputerName: ['localhost'], UserName: ['alice'] }, 'named', 10_000);
    expect(answer.result).toEqual({
      Items: [],
      Errors: [{ ErrorId: 'UserNotFound', Message: "No session of user 'alice' on localhost.", Target: 'alice', ComputerName: 'localhost' }],
    });
  });

  // Last: 5.5 s in a mutation run's instrumented helper, so a mutant the tests above kill never waits for it.
  it('takes a list of exactly 100,000 items (the most accepted)', async () => {
    const answer = await helper.request('sessions.list', { UserName: Array.from({ length: 100_000 }, () => 'z*') }, 'most', 20_000);
    expect(answer.result).toEqual({ Items: [], Errors: [] });
  });
});
