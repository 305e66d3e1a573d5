/**
 * Filters the backend's sessions by the parameters of sessions.list (all given filters must hold),
 * and reports the literal names and ids that match no session at all, as Get-Process does
 * (wildcards that match nothing are silent). A literal is "not found" only when no session of the
 * computer has it, whatever the other filters say.
 */
import type { TargetError } from '../protocol/errors.ts';
import type { QueryResult } from '../protocol/method.ts';
import type { UserSession } from '../protocol/session.ts';
import type { ListParams } from './fanout.ts';
import { hasWildcard, unescapeWildcard, wildcardToRegExp } from './wildcard.ts';

export function filterSessions(all: UserSession[], params: ListParams, computerName: string): QueryResult<UserSession> {
  const errors: TargetError[] = [];
  const tests: ((s: UserSession) => boolean)[] = [];

  if (params.State.length > 0) {
    const states = new Set(params.State);
    tests.push((s) => states.has(s.State));
  }
  if (params.Id.length > 0) {
    const ids = new Set(params.Id);
    tests.push((s) => ids.has(s.SessionId));
    for (const id of params.Id) {
      if (!all.some((s) => s.SessionId === id)) {
        errors.push({ ErrorId: 'SessionNotFound', Message: `No session with id ${id} on ${computerName}.`, Target: id, ComputerName: computerName });
      }
    }
  }
  if (params.UserName.length > 0) {
    const patterns = params.UserName.map((p) => ({ text: p, re: wildcardToRegExp(p), wild: hasWildcard(p) }));
    tests.push((s) => patterns.some((p) => p.re.test(s.UserName)));
    for (const p of patterns) {
      if (!p.wild && !all.some((s) => p.re.test(s.UserName))) {
        const name = unescapeWildcard(p.text);
        errors.push({ ErrorId: 'UserNotFound', Message: `No session of user '${name}' on ${computerName}.`, Target: name, ComputerName: computerName });
      }
    }
  }
  return { Items: all.filter((s) => tests.every((t) => t(s))), Errors: errors };
}
