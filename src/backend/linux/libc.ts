/**
 * The C library this process already runs on, through koffi, loaded by the full path it was
 * loaded from (read from /proc/self/maps, never searched for). pidfd.ts and exit-watch.ts declare
 * their functions on it. null where koffi is not installed or the path cannot be found.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');

export interface Libc {
  readonly koffi: Koffi;
  readonly lib: ReturnType<Koffi['load']>;
}

function libcPath(): string | null {
  // As UTF-8, as koffi hands the path to dlopen(): read as Latin-1, a path that is not ASCII named another file.
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const m = /\s(\/\S*\/libc(?:-[\d.]+)?\.so(?:\.\d+)*)$/m.exec(maps);
  return m ? (m[1] as string) : null;
}

function load(): Libc | null {
  if (process.platform !== 'linux') return null;
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch {
    return null;
  }
  const path = libcPath();
  if (path === null) return null;
  try {
    return { koffi, lib: koffi.load(path) };
  } catch {
    return null;
  }
}

let loaded: Libc | null | undefined;

/** The C library, loaded on first use; null where it cannot be. */
export function libc(): Libc | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}

/** A C function as koffi declares it: called directly, or with `.async(...args, callback)` in the thread pool. */
export type CFunction = ((...args: unknown[]) => number) & { async: (...args: unknown[]) => void };

/**
 * The C library's functions of these prototypes (koffi's C-like syntax), by name; null where the
 * library cannot be loaded or lacks any of them (an older C library).
 */
export function cFunctions<K extends string>(prototypes: Record<K, string>): { koffi: Koffi; fns: Record<K, CFunction> } | null {
  const c = libc();
  if (c === null) return null;
  try {
    const fns = {} as Record<K, CFunction>;
    for (const name of Object.keys(prototypes) as K[]) fns[name] = c.lib.func(prototypes[name]) as CFunction;
    return { koffi: c.koffi, fns };
  } catch {
    return null;
  }
}
