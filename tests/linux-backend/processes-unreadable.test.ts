/**
 * sessions.processes on Linux when there is nothing to read: the utmp file missing (each local
 * target's SessionSourceUnreadable, as log-off and message answer it, not a failure of the whole
 * call), and targets all on other computers. What it lists from a readable file is
 * processes.test.ts's.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { makeTempDir, removeDir } from './support.ts';

const HOST = hostname();
const remoteMessage = (computer: string): string =>
  `Cannot act on sessions of computer '${computer}': the Linux backend manages only the local computer. Remote computers need the Windows backend.`;

describe('LinuxBackend.processes without a utmp file', () => {
  let missing: string;
  let dir: string;

  beforeAll(() => {
    dir = makeTempDir('st-processes-unreadable-');
    missing = join(dir, 'no-utmp');
  });
  afterAll(() => removeDir(dir));

  it("each local target is SessionSourceUnreadable naming the file, another computer's NotSupportedOnPlatform, in target order", async () => {
    const backend = createLinuxBackend({ utmpPath: missing });
    const { Items, Errors } = await backend.processes({ Targets: [{ SessionId: 7 }, { SessionId: 8, ComputerName: 'rds01' }, { SessionId: 9, ComputerName: 'localhost' }] });
    const unreadable = (id: number) => ({
      ErrorId: 'SessionSourceUnreadable',
      Message: `Could not list the processes of session ${id}: The utmp file '${missing}', which lists the sessions, does not exist.`,
      Target: id,
      ComputerName: HOST,
    });
    expect({ Items, Errors }).toEqual({
      Items: [],
      Errors: [unreadable(7), { ErrorId: 'NotSupportedOnPlatform', Message: remoteMessage('rds01'), Target: 8, ComputerName: 'rds01' }, unreadable(9)],
    });
  });

  it('targets all on other computers: NotSupportedOnPlatform each, whether or not the utmp file is there', async () => {
    const backend = createLinuxBackend({ utmpPath: missing });
    const { Items, Errors } = await backend.processes({ Targets: [{ SessionId: 3, ComputerName: 'rds01' }, { SessionId: 4, ComputerName: 'rds02' }] });
    expect({ Items, Errors }).toEqual({
      Items: [],
      Errors: [
        { ErrorId: 'NotSupportedOnPlatform', Message: remoteMessage('rds01'), Target: 3, ComputerName: 'rds01' },
        { ErrorId: 'NotSupportedOnPlatform', Message: remoteMessage('rds02'), Target: 4, ComputerName: 'rds02' },
      ],
    });
  });
});
