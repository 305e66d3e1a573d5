/**
 * Members of a returned record read in place (worker side): each member is decoded by koffi
 * straight from the returned buffer, at koffi's own offset of the abi.ts declaration, before the
 * caller frees it. Decoding a whole record through koffi (a union's members are decoded when first
 * touched, and WTSCLIENTW has five MAX_PATH strings) cost more than the native call itself, and so
 * did copying the record's bytes first and reading them through a DataView (bench/breakdown.ts).
 * Values are what koffi.decode gives (tests/wts/record-bytes.test.ts compares both): a WCHAR array
 * is the text before its first NUL, a LARGE_INTEGER a Number when it fits in 2^53 and a BigInt
 * otherwise (wts-api.md 5.7), other arrays typed arrays (copies). Little-endian, as every Windows
 * x64 (and the double's) layout is.
 */
import koffi from 'koffi';
import { RECORDS, type Decoded, type RecordName } from './abi.ts';
import { koffiDecl } from './koffi-decl.ts';

/** A returned buffer known to hold a whole record: read in place, before the caller frees it. */
export interface RecordBytes {
  readonly p: bigint;
}

/** Reads one member at address `at` (the record's start plus the member's offset). */
type Read = (at: number | bigint) => unknown;

/**
 * koffi's direct decoders of one value at an address: much cheaper than koffi.decode with a type
 * (which looks the type up and copies through it), and no copy of the record first.
 */
const SCALARS: Record<string, Read> = {
  BYTE: (at) => koffi.decode.uint8(at),
  USHORT: (at) => koffi.decode.uint16(at),
  DWORD: (at) => koffi.decode.uint32(at),
  ULONG: (at) => koffi.decode.uint32(at),
  UINT: (at) => koffi.decode.uint32(at),
  LONG: (at) => koffi.decode.int32(at),
  BOOL: (at) => koffi.decode.int32(at),
  WTS_CONNECTSTATE_CLASS: (at) => koffi.decode.int32(at),
  // A Number when it fits in 2^53, else a BigInt: as koffi.decode gives an int64_t.
  LARGE_INTEGER: (at) => koffi.decode.int64(at),
  // A string pointer: the text up to its NUL, or null for NULL (as koffi.decode gives a 'str16').
  LPWSTR: (at) => {
    const to = koffi.decode.uint64(at);
    return to === 0 ? null : koffi.decode.string16(to);
  },
};

/**
 * An address as koffi's decoders take it: a Number where it is exact (every x64 user-space address
 * is below 2^47), so that the members' addresses are Number sums, not BigInt ones (each of which
 * allocates); a BigInt otherwise. koffi documents pointers as BigInts (koffi [pointers]); that its
 * decoders take a Number address as well is koffi 3.3.4's behaviour, checked here on Linux and with
 * the win32-x64 binary under Wine (record-bytes.test.ts and wine.test.ts read every member so).
 */
function asAddress(p: bigint): number | bigint {
  return p <= 9_007_199_254_740_991n ? Number(p) : p;
}

/** A WCHAR array: its `units` code units as they are (no validation), up to the first NUL. */
function wchars(units: number): Read {
  return (at) => {
    const all = koffi.decode.string16(at, units);
    const end = all.indexOf('\0');
    return end === -1 ? all : all.slice(0, end);
  };
}

function reader(ctype: string): Read {
  const array = /^(\w+)\[(\d+)\]$/.exec(ctype);
  if (array === null) {
    const scalar = SCALARS[ctype];
    if (scalar === undefined) throw new Error(`record-bytes.ts cannot read the C type '${ctype}'`);
    return scalar;
  }
  const [, item, count] = array as unknown as [string, string, string];
  const n = Number(count);
  if (item === 'WCHAR') return wchars(n);
  if (item === 'BYTE') {
    const type = koffi.array('uint8_t', n, 'Typed');
    return (at) => koffi.decode(at, type);
  }
  if (item === 'USHORT') {
    // The units of the same text read (code units as they are), copied into the typed array.
    return (at) => {
      const units = koffi.decode.string16(at, n);
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = units.charCodeAt(i);
      return out;
    };
  }
  throw new Error(`record-bytes.ts cannot read the C type '${ctype}'`);
}

export interface MemberReader<R extends RecordName, K extends keyof Decoded<R> & string> {
  /** The members, read from the record that starts `base` bytes into `record`. */
  read(record: RecordBytes, base: number): Pick<Decoded<R>, K>;
}

/** Each reader, by its list of keys (the caller's own constant array), with the record it reads. */
const readers = new Map<readonly string[], { name: RecordName; reader: MemberReader<RecordName, never> }[]>();

/**
 * A reader of members `keys` of `name`, built on first use in this thread (koffi's types are per
 * thread) and kept by the identity of `keys`: pass a constant array, not a new one per call.
 */
export function memberReader<R extends RecordName, K extends keyof Decoded<R> & string>(name: R, keys: readonly K[]): MemberReader<R, K> {
  let built = readers.get(keys);
  if (built === undefined) readers.set(keys, (built = []));
  for (const b of built) if (b.name === name) return b.reader as unknown as MemberReader<R, K>;
  const fields = new Map<string, string>(RECORDS[name].fields);
  const offsets = keys.map((k) => offsetOf(name, k));
  const reads = keys.map((k) => reader(fields.get(k) as string));
  const made: MemberReader<R, K> = {
    read(record, base) {
      const start = asAddress(record.p);
      const out = {} as Record<string, unknown>;
      if (typeof start === 'number') {
        for (let i = 0; i < keys.length; i++) out[keys[i] as string] = (reads[i] as Read)(start + base + (offsets[i] as number));
      } else {
        for (let i = 0; i < keys.length; i++) out[keys[i] as string] = (reads[i] as Read)(start + BigInt(base + (offsets[i] as number)));
      }
      return out as Pick<Decoded<R>, K>;
    },
  };
  built.push({ name, reader: made as unknown as MemberReader<RecordName, never> });
  return made;
}

/** Sizes and member offsets of the records, as koffi lays them out in this thread. */
const sizes = new Map<RecordName, number>();
const offsets = new Map<string, number>();

function sizeOf(name: RecordName): number {
  let size = sizes.get(name);
  if (size === undefined) sizes.set(name, (size = koffi.sizeof(koffiDecl().records[name])));
  return size;
}

/**
 * Members `keys` of each of the `count` records of an array of `name` at `p` (a returned array,
 * WTSEnumerateSessionsExW's), read in place before the caller frees it: koffi.decode of the whole
 * array made an object of every member of every row, five strings each (15 ms for 5,000 rows).
 */
export function readRows<R extends RecordName, K extends keyof Decoded<R> & string>(p: bigint, count: number, name: R, keys: readonly K[]): Pick<Decoded<R>, K>[] {
  const reader = memberReader(name, keys);
  const size = sizeOf(name);
  const record: RecordBytes = { p };
  const rows = new Array<Pick<Decoded<R>, K>>(count);
  for (let i = 0; i < count; i++) rows[i] = reader.read(record, i * size);
  return rows;
}

/**
 * The `name` record at `p` (a buffer of `bytes` bytes), to be read in place before the caller
 * frees the buffer. A buffer smaller than the record is an error, never read past.
 */
export function recordBytes(p: bigint, bytes: number, name: RecordName): RecordBytes {
  const size = sizeOf(name);
  if (bytes < size) throw new Error(`WTSQuerySessionInformationW returned ${bytes} bytes for ${name}, which has ${size}`);
  return { p };
}

/** Where member `key` of record `name` starts. */
export function offsetOf(name: RecordName, key: string): number {
  const id = `${name}.${key}`;
  let offset = offsets.get(id);
  if (offset === undefined) offsets.set(id, (offset = koffi.offsetof(koffiDecl().records[name], key)));
  return offset;
}
