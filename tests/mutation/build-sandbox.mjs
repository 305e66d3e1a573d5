/**
 * Stryker's build command (stryker.config.mjs), run in its sandbox: links the project's
 * node_modules into the sandbox first (Stryker itself links it only after the build, and build.ts
 * reads files there), then bundles the helper from the instrumented sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

let dir = dirname(process.cwd());
while (!existsSync(join(dir, 'node_modules'))) {
  if (dirname(dir) === dir) throw new Error(`no node_modules above ${process.cwd()}`);
  dir = dirname(dir);
}
if (!existsSync('node_modules')) symlinkSync(join(dir, 'node_modules'), 'node_modules', 'junction');
execFileSync(process.execPath, [join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'build.ts', 'helper'], { stdio: 'inherit' });
