/**
 * Emits the layout proof: a C file of _Static_asserts derived from the bindings' own declarations
 * (src/backend/wts/abi.ts, through koffi: koffi.sizeof/offsetof of the declared records and the
 * koffi prototypes of the declared functions), to be compiled by x86_64-w64-mingw32-gcc against
 * mingw-w64's real <wtsapi32.h> plus wtsapi32-missing.h. Every number in it comes from koffi;
 * every C type name from the table; the compiler supplies the Windows x64 truth.
 */
import koffi, { type TypeObject } from 'koffi';
import { FUNCTIONS, RECORDS, type FunctionName, type RecordName } from '../../../src/backend/wts/abi.ts';
import { koffiDecl, prototypeOf } from '../../../src/backend/wts/koffi-decl.ts';

/** A deliberate error, to show that the proof can fail. */
export type Tamper =
  | { kind: 'offset'; record: RecordName; field: string; delta: number }
  | { kind: 'param'; fn: FunctionName; index: number; ctype: string };

const SIGNED: Record<string, boolean> = {
  Int8: true, Int16: true, Int32: true, Int64: true,
  UInt8: false, UInt16: false, UInt32: false, UInt64: false,
};
/**
 * C types whose signedness is not compared with koffi's: WCHAR (koffi's char16_t is Int16 and is
 * only ever read as text; mingw's WCHAR is unsigned), and enums (MSVC makes them int; gcc picks
 * unsigned int for an enum without negative values; every value used is small and positive).
 */
const SIGN_EXEMPT = new Set(['WCHAR', 'WTS_CONNECTSTATE_CLASS', 'WTS_INFO_CLASS', 'WTS_TYPE_CLASS']);
/** LARGE_INTEGER is a union in C; its 64-bit integer is QuadPart. */
const SIGN_PROBE: Record<string, string> = { LARGE_INTEGER: '__typeof__(((LARGE_INTEGER *)0)->QuadPart)' };
/** gcc's __builtin_classify_type value for pointers. */
const POINTER_TYPE_CLASS = 5;

function assert(cond: string, label: string): string {
  return `_Static_assert(${cond}, ${JSON.stringify(label)});`;
}

/** What must hold between a C type of the table and the koffi type the bindings made of it. */
function typeChecks(label: string, ctype: string, t: TypeObject): string[] {
  const out: string[] = [];
  if (t.primitive === 'Void') return [assert(`__builtin_types_compatible_p(${ctype}, void)`, `${label}: ${ctype} is void`)];
  out.push(assert(`sizeof(${ctype}) == ${t.size}`, `${label}: sizeof(${ctype}) == koffi ${t.name} (${t.size})`));
  const signed = SIGNED[t.primitive];
  if (signed !== undefined && !SIGN_EXEMPT.has(ctype)) {
    const probe = SIGN_PROBE[ctype] ?? ctype;
    out.push(assert(`((${probe})-1 < 0) == ${signed ? 1 : 0}`, `${label}: ${ctype} is ${signed ? 'signed' : 'unsigned'} like koffi ${t.name}`));
  }
  if (t.primitive === 'Array') {
    const elem = ctype.replace(/\[\d+\]$/, '');
    out.push(assert(`sizeof(${ctype}) / sizeof(${elem}) == ${t.length}`, `${label}: ${ctype} has ${t.length} elements`));
    out.push(...typeChecks(`${label}[]`, elem, t.ref as TypeObject));
  }
  if (t.primitive === 'Pointer' || t.primitive === 'String16') {
    out.push(assert(`__builtin_classify_type((${ctype})0) == ${POINTER_TYPE_CLASS}`, `${label}: ${ctype} is a pointer like koffi ${t.name}`));
    const pointee = t.primitive === 'String16' ? koffi.type('char16_t') : (t.ref as TypeObject);
    if (pointee.size > 0) out.push(assert(`sizeof(*(${ctype})0) == ${pointee.size}`, `${label}: *${ctype} has koffi's pointee size ${pointee.size}`));
    else out.push(assert(`__builtin_types_compatible_p(${ctype}, void *)`, `${label}: ${ctype} is void * like koffi ${t.name}`));
  }
  return out;
}

function recordAsserts(tamper: Tamper | null): string[] {
  const { records, typeOf } = koffiDecl();
  const out: string[] = [];
  for (const [name, decl] of Object.entries(RECORDS) as [RecordName, (typeof RECORDS)[RecordName]][]) {
    const t = records[name];
    out.push(`/* ${decl.kind} ${name} */`);
    out.push(assert(`sizeof(${name}) == ${koffi.sizeof(t)}`, `sizeof(${name}) == ${koffi.sizeof(t)}`));
    out.push(assert(`_Alignof(${name}) == ${koffi.alignof(t)}`, `_Alignof(${name}) == ${koffi.alignof(t)}`));
    for (const [field, ctype] of decl.fields) {
      // koffi.offsetof accepts structs only; a union's members all sit at 0, as koffi's type says.
      let offset = decl.kind === 'struct' ? koffi.offsetof(t, field) : (koffi.type(t).members?.[field]?.offset ?? -1);
      if (tamper?.kind === 'offset' && tamper.record === name && tamper.field === field) offset += tamper.delta;
      const member = `((${name} *)0)->${field}`;
      out.push(assert(`offsetof(${name}, ${field}) == ${offset}`, `offsetof(${name}, ${field}) == ${offset}`));
      out.push(assert(`__builtin_types_compatible_p(__typeof__(${member}), ${ctype})`, `${name}.${field} is ${ctype}`));
      out.push(...typeChecks(`${name}.${field}`, ctype, typeOf(ctype)));
    }
  }
  return out;
}

function functionAsserts(tamper: Tamper | null): string[] {
  const out: string[] = [];
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const decl = FUNCTIONS[name];
    const info = koffi.type(prototypeOf(name)).proto;
    if (!info) throw new Error(`koffi gave no prototype info for ${name}`);
    const ctypes = decl.params.map(([, ctype], i) => (tamper?.kind === 'param' && tamper.fn === name && tamper.index === i ? tamper.ctype : ctype));
    const pointer = `${decl.ret} (WINAPI *)(${ctypes.length > 0 ? ctypes.join(', ') : 'void'})`;
    out.push(`/* ${decl.dll}!${name} */`);
    out.push(assert(`__builtin_types_compatible_p(__typeof__(&${name}), ${pointer})`, `${name} is ${pointer}`));
    out.push(...typeChecks(`${name} result`, decl.ret, info.result));
    ctypes.forEach((ctype, i) => {
      const arg = info.arguments[i];
      if (!arg) throw new Error(`koffi's prototype of ${name} lacks parameter ${i}`);
      out.push(...typeChecks(`${name} parameter ${i}`, ctype, (arg as unknown as { type: TypeObject }).type));
    });
  }
  return out;
}

/** The whole C file. */
export function emitLayoutAsserts(tamper: Tamper | null = null): string {
  return [
    '/* Generated by tests/wts/layout/emit-asserts.ts from src/backend/wts/abi.ts and koffi; do not edit. */',
    '#include <stddef.h>',
    '#include <windows.h>',
    '#include <wtsapi32.h>',
    '#include "wtsapi32-missing.h"',
    '',
    ...recordAsserts(tamper),
    '',
    ...functionAsserts(tamper),
    '',
  ].join('\n');
}
