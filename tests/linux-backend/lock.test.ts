/**
 * Lock on Linux: a terminal session has no lock screen, so each local target is refused with
 * NotSupportedOnPlatform and the way to lock a graphical one; a remote target is refused as every
 * Linux action on another computer is. Nothing is signalled: the leader lives on.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxBackend } from '../../src/backend/linux/index.ts';
import { buildUtmpWriter, isGone, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from './support.ts';

let dir: string;
let writer: string;

beforeAll(() => {
  dir = makeTempDir('st-lock-');
  writer = buildUtmpWriter(dir);
});
afterEach(() => stopAll());
afterAll(() => removeDir(dir));

describe('LinuxBackend sessions.lock', () => {
  it('refuses each local session (with how to lock a graphical one) and each remote one, signalling nothing', async () => {
    const leader = await startLeader();
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [{ pid: leader, line: 'pts/9851', user: 'locked', loginMs: Date.now() }]);
    const backend = createLinuxBackend({ utmpPath: utmp });
    const targets = [{ SessionId: leader }, { SessionId: 7, ComputerName: 'localhost' }, { SessionId: 8, ComputerName: 'srv9' }];
    const { Outcomes } = await backend.actions['sessions.lock']({ Targets: targets });
    const local = (id: number) =>
      `Session ${id} cannot be locked: a Linux terminal session has no lock screen. For a graphical session of systemd-logind use ` +
      '`loginctl lock-session <its logind id>`; else Stop-UserSession logs it off.';
    expect(Outcomes).toEqual([
      { Target: targets[0], Item: null, Error: { ErrorId: 'NotSupportedOnPlatform', Message: local(leader), Target: leader, ComputerName: hostname() } },
      { Target: targets[1], Item: null, Error: { ErrorId: 'NotSupportedOnPlatform', Message: local(7), Target: 7, ComputerName: hostname() } },
      {
        Target: targets[2],
        Item: null,
        Error: {
          ErrorId: 'NotSupportedOnPlatform',
          Message: "Cannot act on sessions of computer 'srv9': the Linux backend manages only the local computer. Remote computers need the Windows backend.",
          Target: 8,
          ComputerName: 'srv9',
        },
      },
    ]);
    expect(isGone(leader)).toBe(false);
  });
});
