/**
 * Filters the backend's sessions by the parameters of sessions.list, and reports the literal names
 * and ids that matched nothing, as Get-Process does (wildcards that match nothing are silent).
 */
import type { ListParams, ListResult } from '../protocol/rpc.ts';
import type { UserSession } from '../protocol/session.ts';
import { hasWildcard, unescapeWildcard, wildcardToRegExp } from './wildcard.ts';

export function filterSessions(all: UserSession[], params: ListParams, computerName: string): ListResult {
  const errors: ListResult['errors'] = [];
  let sessions = all;

  if (params.State && params.State.length > 0) {
    const states = new Set(params.State);
    sessions = sessions.filter((s) => states.has(s.State));
  }
  if (params.Id && params.Id.length > 0) {
    const ids = new Set(params.Id);
    sessions = sessions.filter((s) => ids.has(s.SessionId));
    for (const id of params.Id) {
      if (!sessions.some((s) => s.SessionId === id)) {
        errors.push({ ErrorId: 'SessionNotFound', Message: `No session with id ${id} on ${computerName}.`, Target: id, ComputerName: computerName });
      }
    }
  }
  if (params.UserName && params.UserName.length > 0) {
    const patterns = params.UserName.map((p) => ({ text: p, re: wildcardToRegExp(p), wild: hasWildcard(p) }));
    sessions = sessions.filter((s) => patterns.some((p) => p.re.test(s.UserName)));
    for (const p of patterns) {
      if (!p.wild && !sessions.some((s) => p.re.test(s.UserName))) {
        const name = unescapeWildcard(p.text);
        errors.push({ ErrorId: 'UserNotFound', Message: `No session of user '${name}' on ${computerName}.`, Target: name, ComputerName: computerName });
      }
    }
  }
  return { sessions, errors };
}
