/**
 * The koffi side of abi.ts: koffi types for its C types and records, and koffi functions for its
 * function table. Nothing here restates a layout or a signature; it only translates the table.
 *
 * koffi keeps type names in one registry per thread, so the types are built once per thread
 * (each worker builds its own).
 */
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';

export type KoffiFunction = ReturnType<LibraryHandle['func']>;
import { C_TO_KOFFI, FUNCTIONS, RECORDS, type CScalar, type FunctionDecl, type FunctionName, type RecordName } from './abi.ts';

export interface KoffiDecl {
  /** The koffi type of a field or parameter C type of the table. */
  typeOf(ctype: string): TypeObject;
  /** The koffi type of each declared record. */
  readonly records: { readonly [R in RecordName]: TypeObject };
}

let built: KoffiDecl | null = null;

/** The koffi types of the whole table, built on first use in this thread. */
export function koffiDecl(): KoffiDecl {
  if (built !== null) return built;
  const handle = koffi.pointer('HANDLE', koffi.opaque());
  const records = {} as Record<RecordName, TypeObject>;

  const typeOf = (ctype: string): TypeObject => {
    if (ctype === 'HANDLE') return handle;
    const array = /^(\w+)\[(\d+)\]$/.exec(ctype);
    if (array) return koffi.array(typeOf(array[1] as string), Number(array[2]));
    if (ctype in records) return records[ctype as RecordName];
    if (ctype in C_TO_KOFFI) return koffi.type(C_TO_KOFFI[ctype as CScalar]);
    throw new Error(`abi.ts names the C type '${ctype}', which has no koffi mapping`);
  };

  for (const [name, decl] of Object.entries(RECORDS) as [RecordName, (typeof RECORDS)[RecordName]][]) {
    const members: Record<string, TypeObject> = {};
    for (const [field, ctype] of decl.fields) members[field] = typeOf(ctype);
    records[name] = decl.kind === 'union' ? koffi.union(name, members) : koffi.struct(name, members);
  }
  built = { typeOf, records };
  return built;
}

/** The koffi result and parameter types of one declared function (the out/inout markers included). */
type ParamSpec = TypeObject | ReturnType<typeof koffi.out>;

function signature(name: FunctionName): { ret: TypeObject; params: ParamSpec[] } {
  const decl: FunctionDecl = FUNCTIONS[name];
  const { typeOf } = koffiDecl();
  const params = decl.params.map(([, ctype, dir]): ParamSpec => {
    const t = typeOf(ctype);
    return dir === 'out' ? koffi.out(t) : dir === 'inout' ? koffi.inout(t) : t;
  });
  return { ret: typeOf(decl.ret), params };
}

// __stdcall only matters on 32-bit x86; on x64 (and in the Linux double) koffi ignores it.

/** One declared function, resolved in `lib`. */
export function declareFunction(lib: LibraryHandle, name: FunctionName): KoffiFunction {
  const { ret, params } = signature(name);
  return lib.func('__stdcall', name, ret, params);
}

/** One declared function's koffi prototype, without any library (for the layout proof). */
export function prototypeOf(name: FunctionName): TypeObject {
  const { ret, params } = signature(name);
  return koffi.proto('__stdcall', null, ret, params);
}
