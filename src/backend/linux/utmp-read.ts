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

function field(record: Buffer, name: UtmpFieldName): Buffer {
  const { offset, size } = UTMP_LAYOUT.fields[name];
  return record.subarray(offset, offset + size);
}

function int16(record: Buffer, name: UtmpFieldName): number {
  const b = field(record, name);
  return LITTLE_ENDIAN ? b.readInt16LE(0) : b.readInt16BE(0);
}

function int32(record: Buffer, name: UtmpFieldName): number {
  const b = field(record, name);
  return LITTLE_ENDIAN ? b.readInt32LE(0) : b.readInt32BE(0);
}

/** A NUL-padded char array: the bytes up to the first NUL, or all of them when it is full. */
function text(record: Buffer, name: UtmpFieldName): string {
  const b = field(record, name);
  const nul = b.indexOf(0);
  return b.subarray(0, nul === -1 ? b.length : nul).toString('utf8');
}

/** Decodes every whole record in `data`; a partial trailing record (a file being written) is ignored. */
export function parseUtmp(data: Buffer): UtmpRecord[] {
  const records: UtmpRecord[] = [];
  for (let at = 0; at + UTMP_LAYOUT.size <= data.length; at += UTMP_LAYOUT.size) {
    const r = data.subarray(at, at + UTMP_LAYOUT.size);
    records.push({
      type: int16(r, 'ut_type'),
      pid: int32(r, 'ut_pid'),
      line: text(r, 'ut_line'),
      id: text(r, 'ut_id'),
      user: text(r, 'ut_user'),
      host: text(r, 'ut_host'),
      session: int32(r, 'ut_session'),
      tvSec: int32(r, 'ut_tv_sec'),
      tvUsec: int32(r, 'ut_tv_usec'),
      addrV6: Buffer.from(field(r, 'ut_addr_v6')),
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
