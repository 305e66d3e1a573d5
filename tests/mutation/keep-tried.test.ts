import { describe, expect, it } from 'vitest';
import { keepTried } from './keep-tried.mjs';

type Mutant = { id: string; mutatorName: string; replacement: string; location: { start: { line: number; column: number }; end: { line: number; column: number } }; status: string; coveredBy?: string[]; killedBy?: string[] };
const at = (line: number) => ({ start: { line, column: 1 }, end: { line, column: 9 } });
const mutant = (id: string, line: number, status: string, coveredBy: string[]): Mutant => ({ id, mutatorName: 'ConditionalExpression', replacement: 'false', location: at(line), status, coveredBy, killedBy: status === 'Killed' ? coveredBy.slice(0, 1) : [] });

/** Two reports of the same tree: tests a, b (file t1) and c (t2); the ids differ between them, as they do between runs. */
function reports(current: Mutant[], previous: Mutant[], changes: { src?: string; t2?: string } = {}) {
  const prev = {
    files: { 'src/x.ts': { source: 'x', mutants: previous } },
    testFiles: { 't1.test.ts': { source: 't1', tests: [{ id: '0', name: 'a' }, { id: '1', name: 'b' }] }, 't2.test.ts': { source: 't2', tests: [{ id: '2', name: 'c' }] } },
  };
  const cur = {
    files: { 'src/x.ts': { source: changes.src ?? 'x', mutants: current } },
    testFiles: { 't1.test.ts': { source: 't1', tests: [{ id: '10', name: 'b' }, { id: '11', name: 'a' }] }, 't2.test.ts': { source: changes.t2 ?? 't2', tests: [{ id: '12', name: 'c' }] } },
  };
  return { prev, cur };
}

describe('keep-tried.mjs: a survivor keeps the tests it survived', () => {
  it('a survivor reused with fewer covering tests (timing) lists those of its earlier result again, by name, in the new ids', () => {
    const { prev, cur } = reports([mutant('5', 3, 'Survived', ['11'])], [mutant('7', 3, 'Survived', ['0', '1', '2'])]);
    expect(keepTried(prev, cur)).toBe(1);
    expect(new Set(cur.files['src/x.ts'].mutants[0]!.coveredBy)).toEqual(new Set(['11', '10', '12']));
  });

  it('a test whose file changed since is not carried over: a changed test has not been tried', () => {
    const { prev, cur } = reports([mutant('5', 3, 'Survived', ['11'])], [mutant('7', 3, 'Survived', ['0', '2'])], { t2: 't2 changed' });
    expect(keepTried(prev, cur)).toBe(0);
    expect(cur.files['src/x.ts'].mutants[0]!.coveredBy).toEqual(['11']);
  });

  it('nothing is carried over in a source file that changed, nor to another mutant, nor to or from a result that is not Survived', () => {
    const changed = reports([mutant('5', 3, 'Survived', ['11'])], [mutant('7', 3, 'Survived', ['0', '2'])], { src: 'x changed' });
    expect(keepTried(changed.prev, changed.cur)).toBe(0);
    expect(changed.cur.files['src/x.ts'].mutants[0]!.coveredBy).toEqual(['11']);

    const current = [mutant('5', 4, 'Survived', ['11']), mutant('6', 5, 'Killed', ['11']), mutant('8', 6, 'Survived', ['11']), mutant('9', 7, 'NoCoverage', [])];
    const previous = [mutant('7', 3, 'Survived', ['0', '2']), mutant('1', 5, 'Survived', ['0', '2']), mutant('2', 6, 'Killed', ['0', '2']), mutant('3', 7, 'Survived', ['2'])];
    const other = reports(current, previous);
    expect(keepTried(other.prev, other.cur)).toBe(0);
    expect(other.cur.files['src/x.ts'].mutants.map((m) => m.coveredBy)).toEqual([['11'], ['11'], ['11'], []]);
  });
});
