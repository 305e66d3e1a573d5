/**
 * Members of a returned record read from one copy of its bytes (worker side): koffi copies the
 * buffer once (as a Uint8Array), and each member is read at koffi's own offset of the abi.ts
 * declaration. Decoding a record member by member through koffi (a union's members are decoded
 * when first touched) cost more than the native call itself: for 5,000 sessions, WTSINFOEXW took
 * 71 ms this way and 12 ms read from bytes (bench/breakdown.ts). Values are what koffi.decode gives
 * (tests/wts/record-bytes.test.ts compares both): a WCHAR array is the text before its first NUL, a
 * LARGE_INTEGER a Number when it fits in 2^53 and a BigInt otherwise (wts-api.md 5.7), other
 * arrays typed arrays. Little-endian, as every Windows x64 (and the double's) layout is.
 */
import koffi from 'koffi';
import { RECORDS, type Decoded, type RecordName } from './abi.ts';
import { koffiDecl } from './koffi-decl.ts';

type Read = (view: DataView, at: number) => unknown;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function wchars(units: number): Read {
  return (view, at) => {
    let end = at;
    const max = at + 2 * units;
    while (end < max && view.getUint16(end, true) !== 0) end += 2;
    return Buffer.from(view.buffer, view.byteOffset + at, end - at).toString('utf16le');
  };
}

const SCALARS: Record<string, Read> = {
  BYTE: (v, at) => v.getUint8(at),
  USHORT: (v, at) => v.getUint16(at, true),
  DWORD: (v, at) => v.getUint32(at, true),
  ULONG: (v, at) => v.getUint32(at, true),
  UINT: (v, at) => v.getUint32(at, true),
  LONG: (v, at) => v.getInt32(at, true),
  BOOL: (v, at) => v.getInt32(at, true),
  WTS_CONNECTSTATE_CLASS: (v, at) => v.getInt32(at, true),
  LARGE_INTEGER: (v, at) => {
    const n = v.getBigInt64(at, true);
    return n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n;
  },
};

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
  if (item === 'BYTE') return (view, at) => new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + n));
  if (item === 'USHORT') {
    return (view, at) => {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint16(at + 2 * i, true);
      return out;
    };
  }
  throw new Error(`record-bytes.ts cannot read the C type '${ctype}'`);
}

export interface MemberReader<R extends RecordName, K extends keyof Decoded<R> & string> {
  /** The members, read from the record's bytes starting at `base`. */
  read(view: DataView, base: number): Pick<Decoded<R>, K>;
}

/** Per record, per list of keys (the caller's own constant array): built once per thread. */
const readers = new Map<RecordName, Map<readonly string[], MemberReader<RecordName, never>>>();

/**
 * A reader of members `keys` of `name`, built on first use in this thread (koffi's types are per
 * thread) and kept by the identity of `keys`: pass a constant array, not a new one per call.
 */
export function memberReader<R extends RecordName, K extends keyof Decoded<R> & string>(name: R, keys: readonly K[]): MemberReader<R, K> {
  let byKeys = readers.get(name);
  if (byKeys === undefined) readers.set(name, (byKeys = new Map()));
  const known = byKeys.get(keys);
  if (known !== undefined) return known as unknown as MemberReader<R, K>;
  const type = koffiDecl().records[name];
  const fields = new Map<string, string>(RECORDS[name].fields);
  const at = keys.map((k) => [k, koffi.offsetof(type, k), reader(fields.get(k) as string)] as const);
  const made: MemberReader<R, K> = {
    read(view, base) {
      const out = {} as Record<string, unknown>;
      for (const [key, offset, read] of at) out[key] = read(view, base + offset);
      return out as Pick<Decoded<R>, K>;
    },
  };
  byKeys.set(keys, made as unknown as MemberReader<RecordName, never>);
  return made;
}

const byteArrays = new Map<number, ReturnType<typeof koffi.array>>();

/**
 * The bytes of one `name` record at `p` (a buffer of `bytes` bytes), copied once: the caller frees
 * the buffer right after. A buffer smaller than the record is an error, never read past.
 */
export function recordBytes(p: bigint, bytes: number, name: RecordName): DataView {
  const size = koffi.sizeof(koffiDecl().records[name]);
  if (bytes < size) throw new Error(`WTSQuerySessionInformationW returned ${bytes} bytes for ${name}, which has ${size}`);
  let type = byteArrays.get(size);
  if (type === undefined) byteArrays.set(size, (type = koffi.array('uint8_t', size, 'Typed')));
  const copy = koffi.decode(p, type) as Uint8Array;
  return new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
}

/** Where member `key` of record `name` starts. */
export function offsetOf(name: RecordName, key: string): number {
  return koffi.offsetof(koffiDecl().records[name], key);
}
