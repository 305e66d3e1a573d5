/**
 * Reads the records of a utmp file (see utmp-layout.ts for the layout), and nothing else: no
 * filtering beyond whole records, no interpretation of addresses or processes.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { ComputerError } from '../backend.ts';
import { UTMP_LAYOUT, type UtmpFieldName } from './utmp-layout.ts';

/** One utmp record, its strings decoded and its numbers read. */
export interface UtmpRecord {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  session: number;
  tvSec: number;
  tvUsec: number;
  /** The 16 raw bytes of ut_addr_v6, in network byte order. */
  addrV6: Buffer;
}

/** utmp numbers are in host byte order (the file is written by fwrite of the struct). */
const LITTLE_ENDIAN = endianness() === 'LE';

const F = UTMP_LAYOUT.fields;

/** A number of the record at `at`, in host byte order. */
function int16(data: Buffer, at: number, name: UtmpFieldName): number {
  return LITTLE_ENDIAN ? data.readInt16LE(at + F[name].offset) : data.readInt16BE(at + F[name].offset);
}

function int32(data: Buffer, at: number, name: UtmpFieldName): number {
  return LITTLE_ENDIAN ? data.readInt32LE(at + F[name].offset) : data.readInt32BE(at + F[name].offset);
}

/** A NUL-padded char array: the bytes up to the first NUL, or all of them when it is full. */
function text(data: Buffer, at: number, name: UtmpFieldName): string {
  const start = at + F[name].offset;
  const end = start + F[name].size;
  const nul = data.indexOf(0, start);
  return data.toString('utf8', start, nul === -1 || nul > end ? end : nul);
}

/**
 * Decodes every whole record in `data`; a partial trailing record (a file being written) is ignored.
 * Read in place, field by field (no view of each record or field is made: thousands of records
 * are read on every listing and every logoff). addrV6 is a view of `data`, which is never written.
 */
export function parseUtmp(data: Buffer): UtmpRecord[] {
  const records: UtmpRecord[] = [];
  for (let at = 0; at + UTMP_LAYOUT.size <= data.length; at += UTMP_LAYOUT.size) {
    const addr = at + F.ut_addr_v6.offset;
    records.push({
      type: int16(data, at, 'ut_type'),
      pid: int32(data, at, 'ut_pid'),
      line: text(data, at, 'ut_line'),
      id: text(data, at, 'ut_id'),
      user: text(data, at, 'ut_user'),
      host: text(data, at, 'ut_host'),
      session: int32(data, at, 'ut_session'),
      tvSec: int32(data, at, 'ut_tv_sec'),
      tvUsec: int32(data, at, 'ut_tv_usec'),
      addrV6: data.subarray(addr, addr + F.ut_addr_v6.size),
    });
  }
  return records;
}

/**
 * The records of the utmp file at `path`. The file is the only source of sessions, so a file that
 * is missing or cannot be read is an error (SessionSourceUnreadable), never "nobody is logged on":
 * a compliance check must not report a clean machine because the file it was pointed at is gone.
 */
export async function readUtmpFile(path: string): Promise<UtmpRecord[]> {
  let data: Buffer;
  try {
    // Synchronous on purpose: a small local file, read faster than a thread-pool round trip.
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'an unknown error';
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
    throw new ComputerError('SessionSourceUnreadable', `The utmp file '${path}', which lists the sessions, ${why}.`);
  }
  return parseUtmp(data);
}
