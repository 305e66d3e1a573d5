/**
 * The helper's memory: its resident set (VmRSS) after 12,000 warm sessions.list calls, one after
 * another over its stdio, with the WTS backend on the wtsapi32 double (five sessions on this
 * computer: one worker thread) and with the Linux backend (five real leaders in a utmp file). Each
 * as the helper is started today, and with V8's young generation capped (NODE_OPTIONS
 * --max-semi-space-size=1), which is how the module would have to start it for the aim.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HelperProcess, PROTOCOL_VERSION, stopAllHelpers } from '../tests/helper/support.ts';
import { buildUtmpWriter, makeTempDir, removeDir, startLeader, stopAll, writeUtmp } from '../tests/linux-backend/support.ts';
import { buildDouble, toFileTime, writeFixture } from '../tests/wts/support/double.ts';
import { ms } from './pwsh-json.ts';

const CALLS = 12_000;
const CAPPED = '--max-semi-space-size=1';

const rssMb = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) / 1024;

async function afterCalls(env: Record<string, string>): Promise<{ rss: number; perCall: number; sessions: number }> {
  const helper = HelperProcess.start({ env });
  try {
    const init = await helper.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 'init', 15_000);
    if (init.error !== undefined) throw new Error(`initialize failed: ${JSON.stringify(init.error)}`);
    let sessions = 0;
    const t0 = performance.now();
    for (let i = 1; i <= CALLS; i++) {
      const answer = (await helper.call('sessions.list', {}, i, 15_000)) as { result?: { Items: unknown[] }; error?: unknown };
      if (answer.result === undefined) throw new Error(`sessions.list failed: ${JSON.stringify(answer.error)}`);
      sessions = answer.result.Items.length;
    }
    return { rss: rssMb(helper.pid), perCall: (performance.now() - t0) / CALLS, sessions };
  } finally {
    await stopAllHelpers();
  }
}

export async function benchMemory(): Promise<void> {
  const dir = makeTempDir('st-bench-mem-');
  try {
    const fixture = join(dir, 'fixture');
    const now = toFileTime(new Date());
    writeFixture(fixture, [
      {
        name: '.',
        sessions: Array.from({ length: 5 }, (_, i) => ({
          id: i + 1, state: 'Active', winStation: `RDP-Tcp#${i}`, user: `user${i}`, domain: 'CONTOSO', clientName: `WS-${i}`,
          address: `10.0.0.${i + 1}`, logon: now, connect: now, lastInput: now, protocol: 2 as const,
        })),
      },
    ]);
    const utmp = join(dir, 'utmp');
    const pids = await Promise.all(Array.from({ length: 5 }, () => startLeader('plain')));
    writeUtmp(buildUtmpWriter(dir), utmp, pids.map((pid, i) => ({ pid, line: `pts/${700 + i}`, user: `user${i}`, loginMs: Date.now() })));
    const kinds: Array<[string, Record<string, string>]> = [
      ['WTS (double)', { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture }],
      ['Linux (utmp)', { SESSIONTOOLS_UTMP_PATH: utmp }],
    ];
    for (const [name, env] of kinds) {
      const today = await afterCalls(env);
      const capped = await afterCalls({ ...env, NODE_OPTIONS: CAPPED });
      console.log(
        `helper RSS after ${CALLS.toLocaleString('en')} calls, ${name}, ${today.sessions} sessions each: ${today.rss.toFixed(1)} MB as started today ` +
          `(${ms(today.perCall)} a call); ${capped.rss.toFixed(1)} MB with ${CAPPED} (${ms(capped.perCall)} a call) (aim < 80 MB)`,
      );
    }
  } finally {
    stopAll();
    removeDir(dir);
  }
}
