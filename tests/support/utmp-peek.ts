/**
 * Minimal reader of the utmp file for tests (independent of the product's reader, so the tests can
 * check it). Layout: glibc x86_64 `struct utmp`, 384 bytes a record, little-endian.
 */
import { readFileSync } from 'node:fs';

export const UTMP_PATH = '/run/utmp';
export const UTMP_RECORD_SIZE = 384;
export const USER_PROCESS = 7;
export const DEAD_PROCESS = 8;

export interface UtmpEntry {
  type: number; // ut_type   int16   @0
  pid: number; // ut_pid    int32   @4
  line: string; // ut_line   char[32] @8   e.g. 'pts/3'
  id: string; // ut_id     char[4]  @40
  user: string; // ut_user   char[32] @44
  host: string; // ut_host   char[256] @76
  loginTime: Date; // ut_tv     int32 sec @340, int32 usec @344
  addr: string; // ut_addr_v6 int32[4] @348 (IPv4 in the first word; '' when zero)
}

function cstr(buf: Buffer, at: number, len: number): string {
  const field = buf.subarray(at, at + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

function addrOf(buf: Buffer, at: number): string {
  const words = [0, 4, 8, 12].map((o) => buf.readUInt32BE(at + o));
  if (words.every((w) => w === 0)) return '';
  if (words.slice(1).every((w) => w === 0)) return [...buf.subarray(at, at + 4)].join('.');
  return words.map((w) => w.toString(16)).join(':'); // IPv6: rough, only used for display
}

export function parseUtmp(data: Buffer): UtmpEntry[] {
  const out: UtmpEntry[] = [];
  for (let at = 0; at + UTMP_RECORD_SIZE <= data.length; at += UTMP_RECORD_SIZE) {
    const r = data.subarray(at, at + UTMP_RECORD_SIZE);
    out.push({
      type: r.readInt16LE(0),
      pid: r.readInt32LE(4),
      line: cstr(r, 8, 32),
      id: cstr(r, 40, 4),
      user: cstr(r, 44, 32),
      host: cstr(r, 76, 256),
      loginTime: new Date(r.readInt32LE(340) * 1000 + Math.floor(r.readInt32LE(344) / 1000)),
      addr: addrOf(r, 348),
    });
  }
  return out;
}

/** All records of the utmp file; [] when the file does not exist. */
export function readUtmp(path = UTMP_PATH): UtmpEntry[] {
  try {
    return parseUtmp(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Live login records (USER_PROCESS). */
export function userProcesses(path = UTMP_PATH): UtmpEntry[] {
  return readUtmp(path).filter((e) => e.type === USER_PROCESS);
}
