/**
 * A process that ends and is reaped while the pass over /proc reads it: its /proc/<pid>/stat was
 * opened, and the read then answers ESRCH (the kernel finds no task behind the open file). The
 * listing takes it as gone, as it takes a process whose stat it cannot open. To put the reap
 * exactly between the open and the read, the lister runs under strace (fault injection: its read
 * of that one file is held at entry); once the process is reaped, strace is killed, which resumes
 * the read. Skipped where strace is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adopt, buildUtmpWriter, bundleScript, makeTempDir, removeDir, startLeader, stopAll, waitFor, writeUtmp } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
// strace holds the read at its entry; .ci/run installs it. A machine without it skips this file (nothing else can hold a read there).
const strace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!strace)('a process reaped between the open and the read of its /proc stat', () => {
  let dir: string;
  let writer: string;
  let script: string;

  beforeAll(() => {
    dir = makeTempDir('st-proc-vanished-');
    writer = buildUtmpWriter(dir);
    script = bundleScript(join(here, 'fixtures', 'current-session.ts'), dir);
  });
  afterEach(() => stopAll());
  afterAll(() => removeDir(dir));

  it('is no session: the listing answers with the others', async () => {
    const [vanishing, staying] = [await startLeader(), await startLeader()];
    const utmp = join(dir, 'utmp');
    writeUtmp(writer, utmp, [
      { pid: vanishing, line: 'pts/9933', user: 'gone', loginMs: Date.now() },
      { pid: staying, line: 'pts/9934', user: 'here', loginMs: Date.now() },
    ]);
    const log = join(dir, 'strace.log');
    const stat = `/proc/${vanishing}/stat`;
    // Only calls on that file are traced; its read waits at entry (60 s) until strace is gone.
    const traced = spawn('strace', ['-f', '-qq', '-P', stat, '-e', 'trace=openat,read', '-e', 'inject=read:delay_enter=60000000', '-o', log, process.execPath, script, utmp], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    adopt(traced.pid!);
    let out = '';
    traced.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const closed = new Promise((resolve) => traced.stdout!.once('close', resolve));
    expect(await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes(`openat(AT_FDCWD, "${stat}"`), 20_000)).toBe(true);
    process.kill(vanishing, 'SIGKILL');
    expect(await waitFor(() => !existsSync(`/proc/${vanishing}`), 5_000)).toBe(true); // reaped by this process
    process.kill(traced.pid!, 'SIGKILL');
    await closed;
    expect(readFileSync(log, 'utf8')).toMatch(/read\(\d+, /);
    expect(JSON.parse(out)).toEqual([[staying, 'pts/9934', false]]);
  });
});
