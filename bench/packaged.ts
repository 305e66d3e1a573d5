/**
 * The release as users install it: the linux-x64 archive from dist/ (`npm run package` makes it
 * when stale), unpacked into a temporary folder: its module (SessionTools/<version>/, with the
 * helper and the Node it ships under bin/linux-x64). The benchmarks that compare the shipped
 * helper with development mode (module/bin, this machine's Node) use it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, VERSION, artifactNames, packageRelease } from '../tools/package.ts';
import { PLATFORMS } from '../tools/package-platforms.ts';

export interface PackagedModule {
  /** The module's manifest, for Import-Module. */
  psd1: string;
  /** The Node the release ships, and the helper's entry. */
  node: string;
  entry: string;
}

/** Runs `use` with the linux-x64 release unpacked; removes it afterwards. */
export async function withPackagedModule<T>(use: (m: PackagedModule) => Promise<T>): Promise<T> {
  const linux = PLATFORMS.find((p) => p.rid === 'linux-x64')!;
  await packageRelease({ ifStale: true });
  const dir = mkdtempSync(join(tmpdir(), 'st-bench-packaged-'));
  try {
    execFileSync('tar', ['-xzf', join(DIST, artifactNames.archive(linux)), '-C', dir]);
    const base = join(dir, 'SessionTools', VERSION);
    const bin = join(base, 'bin', linux.rid);
    return await use({ psd1: join(base, 'SessionTools.psd1'), node: join(bin, linux.runtime), entry: join(bin, 'helper.mjs') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
