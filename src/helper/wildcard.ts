/**
 * PowerShell wildcard matching (WildcardPattern with IgnoreCase): `*` any run, `?` one character,
 * `[abc]` / `[a-z]` one of a set or range, and a backtick escapes the next character.
 */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '`') { i++; continue; }
    if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

// With the `u` flag only syntax characters may be escaped: one set outside a class, one inside.
const escapeRegex = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
const escapeInClass = (c: string): string => c.replace(/[\\\]^[-]/g, '\\$&');

/** A pattern PowerShell's WildcardPattern refuses, with the reason. */
export class WildcardError extends Error {}

/**
 * The regular expression of a wildcard pattern; throws WildcardError for an unclosed or empty set,
 * and the RegExp constructor's SyntaxError for a range that runs backwards ([z-a]).
 */
export function wildcardToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '`' && i + 1 < pattern.length) { out += escapeRegex(pattern[++i] as string); continue; }
    if (c === '*') { out += '[\\s\\S]*'; continue; }
    if (c === '?') { out += '[\\s\\S]'; continue; }
    if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      // As PowerShell's WildcardPattern: an unclosed or empty set is an invalid pattern, not a literal [.
      if (close < 0) throw new WildcardError(`the [ at character ${i + 1} has no closing ]`);
      if (close === i + 1) throw new WildcardError(`the set [] at character ${i + 1} is empty`);
      let set = '';
      for (let j = i + 1; j < close; j++) {
        const s = pattern[j] as string;
        if (s === '`' && j + 1 < close) { set += escapeInClass(pattern[++j] as string); continue; }
        set += s === '-' && j > i + 1 && j < close - 1 ? '-' : escapeInClass(s);
      }
      out += `[${set}]`;
      i = close;
      continue;
    }
    out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`, 'iu');
}

/** Removes backtick escapes, for comparing a literal name. */
export function unescapeWildcard(pattern: string): string {
  return pattern.replace(/`([\s\S])/g, '$1');
}

/** Why `pattern` is not a valid wildcard pattern, or null when it is. */
export function wildcardProblem(pattern: string): string | null {
  try {
    wildcardToRegExp(pattern);
    return null;
  } catch (e) {
    return e instanceof WildcardError ? e.message : 'a range such as [z-a] runs backwards?';
  }
}
