/**
 * Which computer names mean "this computer", for both backends: the Linux backend acts on the local
 * computer only; the WTS backend opens no server handle for it.
 */
import { hostname } from 'node:os';

export function isLocalComputer(name: string | null | undefined): boolean {
  if (name === null || name === undefined) return true;
  const n = name.trim().toLowerCase();
  return (
    n === '' || n === '.' || n === 'localhost' || n === '127.0.0.1' || n === '::1' || n === hostname().toLowerCase()
  );
}

/** The name to report for a target's computer: the local host name when local, else as the caller named it. */
export function reportedComputerName(name: string | null | undefined): string {
  return isLocalComputer(name) ? hostname() : (name as string);
}

/**
 * One key per computer, for grouping targets: '' for this computer however it is named, else the
 * name without surrounding spaces and case (Windows compares host names without regard to case).
 */
export function computerKey(name: string | null | undefined): string {
  return isLocalComputer(name) ? '' : (name as string).trim().toLowerCase();
}

/** Targets grouped by computer (computerKey: one group however it is spelled), in order of first appearance, each with its targets' indexes. */
export function groupByComputer<T extends { ComputerName?: string | null }>(targets: readonly T[]): { indexes: number[]; targets: T[] }[] {
  const groups = new Map<string, { indexes: number[]; targets: T[] }>();
  targets.forEach((t, i) => {
    const key = computerKey(t.ComputerName);
    const group = groups.get(key) ?? { indexes: [], targets: [] };
    group.indexes.push(i);
    group.targets.push(t);
    groups.set(key, group);
  });
  return [...groups.values()];
}
