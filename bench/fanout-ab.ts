/**
 * A/B of the 500-host fan-out (bench/windows.ts's, at the declared default -ThrottleLimit unless THROTTLE
 * says otherwise) between built modules, for a change to the asynchronous WTS calls:
 *
 *   npx tsx bench/fanout-ab.ts <repo-or-worktree A> <repo-or-worktree B> [...]
 *
 * Each argument is a checkout whose module/ is built (`npx tsx build.ts helper` there; module/bin
 * also needs SessionTools.Types.dll and node). The builds alternate, in fresh PowerShells (ROUNDS of
 * each, default 5; one cold and three warm fan-outs each), against the same fixture in the same
 * minutes; printed: medians of cold, warm and the helper's main-thread CPU per warm fan-out, with
 * the load average beside each round. Not part of `npm run bench`, and nothing gates on it.
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ListSessions } from '../src/protocol/methods.ts';
import { makeTempDir, removeDir } from '../tests/linux-backend/support.ts';
import { buildDouble, writeFixture } from '../tests/wts/support/double.ts';
import { session } from './breakdown.ts';
import { median, pwshResult } from './pwsh-json.ts';
import { fanOutScript, type FanOut } from './windows.ts';

const builds = process.argv.slice(2).map((b) => resolve(b));
if (builds.length < 2) throw new Error('usage: tsx bench/fanout-ab.ts <checkout A> <checkout B> [...]');
const rounds = Number(process.env.ROUNDS ?? 5);
const throttle = Number(process.env.THROTTLE ?? (ListSessions.params.ThrottleLimit.default as number));

const dir = makeTempDir('st-bench-ab-');
try {
  const fixture = join(dir, 'fixture');
  const hosts = Array.from({ length: 500 }, (_, i) => ({ name: `srv${i}`, latencyMs: 50, sessions: [session(2, i)] }));
  writeFixture(fixture, hosts);
  const list = hosts.map((h) => `'${h.name}'`).join(',');
  const env = { SESSIONTOOLS_WTSAPI_PATH: buildDouble('linux'), WTSDOUBLE_FIXTURE: fixture };
  const runs = new Map(builds.map((b) => [b, [] as (FanOut & { Load: number })[]]));
  for (let r = 0; r < rounds; r++) {
    // Alternate the order too, so that neither build always runs right after the other.
    for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
      const importLine = `Import-Module '${join(b, 'module', 'SessionTools.psd1').replace(/'/g, "''")}' -ErrorAction Stop`;
      const o = await pwshResult<FanOut>(fanOutScript(list, throttle, 3, importLine), { env, timeoutMs: 600_000 });
      runs.get(b)?.push({ ...o, Load: loadavg()[0] ?? 0 });
    }
  }
  console.log(`500 hosts, 50 ms a call, -ThrottleLimit ${throttle}: ${rounds} fresh PowerShells each, alternating`);
  for (const [b, xs] of runs) {
    const bad = xs.filter((x) => x.Sessions !== hosts.length || x.Errors !== 0).length;
    console.log(
      `  ${b}: cold ${median(xs.map((x) => x.Cold)).toFixed(0)} ms, warm ${median(xs.flatMap((x) => x.Warm)).toFixed(0)} ms, ` +
        `main thread ${median(xs.flatMap((x) => x.MainCpu)).toFixed(0)} ms CPU per warm fan-out; loads ${xs.map((x) => x.Load.toFixed(1)).join(' ')}` +
        `${bad ? `; ${bad} runs with missing sessions or errors` : ''}`,
    );
  }
} finally {
  removeDir(dir);
}
