/**
 * PowerShell wildcard patterns as the helper reads them (src/helper/wildcard.ts), on their own:
 * what a pattern matches, backtick escapes outside and inside a set, a '-' that is a range or a
 * character, and the patterns refused with their reasons.
 */
import { describe, expect, it } from 'vitest';
import { hasWildcard, unescapeWildcard, wildcardProblem, wildcardToRegExp } from '../../src/helper/wildcard.ts';

/** Which of `names` the pattern matches. */
const matching = (pattern: string, names: string[]) => names.filter((n) => wildcardToRegExp(pattern).test(n));

describe('wildcard patterns', () => {
  it('match * ? and sets, ignoring case, and regex characters as themselves', () => {
    expect(matching('a*', ['a', 'ab', 'AB', 'ba'])).toEqual(['a', 'ab', 'AB']);
    expect(matching('a?c', ['abc', 'ac', 'abbc'])).toEqual(['abc']);
    expect(matching('svc.(x)+', ['svc.(x)+', 'svcA(x)+', 'svc.(xx)'])).toEqual(['svc.(x)+']);
    expect(matching('a^$|{1}', ['a^$|{1}', 'a'])).toEqual(['a^$|{1}']);
  });

  it('take a backtick as escaping the next character, also a last backtick as itself', () => {
    expect(matching('a`*', ['a*', 'ab'])).toEqual(['a*']);
    expect(matching('`[x`]', ['[x]', 'x'])).toEqual(['[x]']);
    expect(matching('ab`', ['ab`', 'ab'])).toEqual(['ab`']);
    expect(matching('``', ['`', '``'])).toEqual(['`']);
  });

  it('read a set: ranges, a - at either end as itself, escaped characters, a last backtick as itself', () => {
    expect(matching('[a-c]x', ['ax', 'bx', 'dx', '-x'])).toEqual(['ax', 'bx']);
    expect(matching('[axb]', ['a', 'x', 'b', 'c', '-'])).toEqual(['a', 'x', 'b']);
    expect(matching('[-a]', ['-', 'a', 'b'])).toEqual(['-', 'a']);
    expect(matching('[a-]', ['-', 'a', 'b'])).toEqual(['-', 'a']);
    expect(matching('[a`-c]', ['a', '-', 'c', 'b'])).toEqual(['a', '-', 'c']);
    expect(matching('[x`]', ['x', '`', 'a'])).toEqual(['x', '`']);
    expect(matching('[^a]', ['^', 'a', 'b'])).toEqual(['^', 'a']);
    expect(matching('x[ab]y[cd]', ['xayc', 'xbyd', 'xayb'])).toEqual(['xayc', 'xbyd']);
    expect(matching('[ab]', ['a', ']', '[', 'c'])).toEqual(['a']);
    expect(matching('x]y[ab]', ['x]ya', 'x]y]'])).toEqual(['x]ya']);
    expect(matching('x][ab]', ['x]a', 'x]]'])).toEqual(['x]a']);
  });

  it('refuse an unclosed set, an empty one and a backwards range, with the reason', () => {
    expect(wildcardProblem('ab[cd')).toBe('the [ at character 3 has no closing ]');
    expect(wildcardProblem('x[]')).toBe('the set [] at character 2 is empty');
    expect(wildcardProblem('[z-a]')).toBe('a range such as [z-a] runs backwards?');
    expect(wildcardProblem('[a]')).toBeNull();
  });

  it('say whether a pattern has a wildcard, escaped ones not counting', () => {
    expect(['a', 'a*', 'a?', 'a[b]', 'a`*', 'a`?b', '``*'].map(hasWildcard)).toEqual([false, true, true, true, false, false, true]);
  });

  it('unescape a literal: each backtick gives the character after it', () => {
    expect(unescapeWildcard('a`*b``c`')).toBe('a*b`c`');
    expect(unescapeWildcard('`\n')).toBe('\n');
  });
});
