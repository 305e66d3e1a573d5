/**
 * A session's terminal: the device file its utmp line names under the device directory, and
 * whether a device is a terminal at all. Used by the listing (Idle, identity) and by messages,
 * which must not open anything but a terminal (opening some devices acts: a watchdog starts).
 */
import type { Stats } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

/**
 * Terminal devices by their major number (the kernel's Documentation/admin-guide/devices.txt): BSD
 * pty slaves (3), virtual consoles and serial ports (4), /dev/tty, /dev/console (5), Unix98 pty
 * slaves (136-143), USB ACM and serial (166, 188), low-density serial (204), hypervisor consoles
 * (229). /dev/null and other character devices are not terminals.
 */
const TERMINAL_MAJORS = new Set([3, 4, 5, 136, 137, 138, 139, 140, 141, 142, 143, 166, 188, 204, 229]);

/** glibc's gnu_dev_major() of a dev_t, for the numbers stat() gives. */
function major(rdev: number): number {
  return (Math.floor(rdev / 256) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

/** Is this stat() a terminal device? */
export function isTerminalDevice(st: Stats): boolean {
  return st.isCharacterDevice() && TERMINAL_MAJORS.has(major(st.rdev));
}

/** The path ut_line names under devDir; null when there is no line or it would lead out of the directory. */
export function linePath(devDir: string, line: string): string | null {
  if (line === '') return null;
  const path = join(devDir, line);
  const rel = relative(devDir, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : path;
}
