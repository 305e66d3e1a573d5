/**
 * The layout proof: the C file emitted from the bindings' own declarations (layout/emit-asserts.ts)
 * compiles with the Windows x64 compiler against mingw-w64's real wtsapi32.h (plus
 * layout/wtsapi32-missing.h for what Debian's v10 header lacks), so every struct size, alignment,
 * field offset and type, and every function's signature, is the Windows one. A deliberately wrong
 * offset and a wrong parameter type must fail to compile.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, RECORDS, type FunctionName } from '../../src/backend/wts/abi.ts';
import { koffiDecl, prototypeOf } from '../../src/backend/wts/koffi-decl.ts';
import { emitLayoutAsserts, type Tamper } from './layout/emit-asserts.ts';

const LAYOUT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'layout');
const CC = 'x86_64-w64-mingw32-gcc';

let dir: string;

function compile(tamper: Tamper | null): { ok: boolean; stderr: string } {
  const file = join(dir, `layout-${tamper ? tamper.kind : 'real'}.c`);
  writeFileSync(file, emitLayoutAsserts(tamper));
  const r = spawnSync(CC, ['-std=gnu11', '-Wall', '-Werror', '-c', '-I', LAYOUT_DIR, '-o', join(dir, 'layout.o'), file], { encoding: 'utf8' });
  if (r.error) throw new Error(`${CC} could not run (${r.error.message}): apt-get install gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev`);
  return { ok: r.status === 0, stderr: r.stderr };
}

describe('WTS bindings layout proof (Windows x64, mingw-w64 wtsapi32.h)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'st-wts-layout-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every record and function declaration compiles against the real header', () => {
    const { ok, stderr } = compile(null);
    expect(stderr).toBe('');
    expect(ok).toBe(true);
    // Every record field and every function is asserted on.
    const c = emitLayoutAsserts();
    for (const name of Object.keys(FUNCTIONS)) expect(c).toContain(`__typeof__(&${name})`);
    const fields = Object.values(RECORDS).reduce((n, r) => n + r.fields.length, 0);
    expect(fields).toBe(80);
    expect(c.match(/_Static_assert\(offsetof/g)?.length).toBe(fields);
  });

  it('fails to compile with one wrong field offset', () => {
    const { ok, stderr } = compile({ kind: 'offset', record: 'WTSINFOEX_LEVEL1_W', field: 'LogonTime', delta: 8 });
    expect(ok).toBe(false);
    expect(stderr).toContain('offsetof(WTSINFOEX_LEVEL1_W, LogonTime) == 168');
  });

  it('fails to compile with one wrong parameter type (LONG for BOOL: same size, another type)', () => {
    const { ok, stderr } = compile({ kind: 'param', fn: 'WTSLogoffSession', index: 2, ctype: 'LONG' });
    expect(ok).toBe(false);
    expect(stderr).toContain('WTSLogoffSession is BOOL (WINAPI *)(HANDLE, DWORD, LONG)');
  });

  it("koffi's layouts equal the documented Windows x64 numbers (wts-api.md 3)", () => {
    const { records } = koffiDecl();
    expect([records.WTSINFOW, records.WTSINFOEX_LEVEL1_W, records.WTSINFOEXW, records.WTS_SESSION_INFOW, records.WTS_SESSION_INFO_1W, records.WTS_CLIENT_ADDRESS, records.WTSCLIENTW].map((t) => koffi.sizeof(t))).toEqual([216, 224, 232, 24, 56, 24, 2304]);
    expect(['EncryptionLevel', 'ClientAddressFamily', 'ClientAddress', 'ClientBuildNumber', 'DeviceId'].map((f) => koffi.offsetof(records.WTSCLIENTW, f))).toEqual([1164, 1168, 1172, 1764, 1780]);
    expect(koffi.offsetof(records.WTSINFOW, 'ConnectTime')).toBe(176);
    expect(koffi.offsetof(records.WTSINFOEX_LEVEL1_W, 'LogonTime')).toBe(160);
    expect(koffi.offsetof(records.WTSINFOEXW, 'Data')).toBe(8);
    // WTS_PROCESS_INFO_EXW: two DWORDs, two pointers, six DWORDs, two LARGE_INTEGERs.
    expect(koffi.sizeof(records.WTS_PROCESS_INFO_EXW)).toBe(64);
    expect(['pProcessName', 'pUserSid', 'NumberOfThreads', 'WorkingSetSize', 'UserTime', 'KernelTime'].map((f) => koffi.offsetof(records.WTS_PROCESS_INFO_EXW, f))).toEqual([8, 16, 24, 40, 48, 56]);
  });

  it('koffi prototypes carry the out/inout directions of the table', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const info = koffi.type(prototypeOf(name)).proto;
      const params = FUNCTIONS[name].params as readonly (readonly [string, string, ('out' | 'inout')?])[];
      expect(info?.arguments.length, name).toBe(params.length);
      params.forEach(([, , dir], i) => {
        const direction = (info?.arguments[i] as unknown as { direction: string }).direction;
        expect(direction, `${name} parameter ${i}`).toBe(dir === 'out' ? 'Output' : dir === 'inout' ? 'Input/Output' : 'Input');
      });
    }
  });
});
