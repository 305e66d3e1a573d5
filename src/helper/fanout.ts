/**
 * sessions.list over many computers at once: at most ThrottleLimit at a time, each bounded by
 * TimeoutSec, so one dead or slow computer costs one error and never delays the others beyond its
 * own timeout. Sessions come back grouped by computer, in the order the computers were named.
 */
import { ComputerError, type Backend } from '../backend/backend.ts';
import type { ListParams, ListResult } from '../protocol/rpc.ts';
import type { TargetError } from '../protocol/errors.ts';
import type { UserSession } from '../protocol/session.ts';
import { GetUserSession } from '../catalog/commands.ts';
import { filterSessions } from './filter.ts';

/** The cmdlet's defaults, from the catalog: the same when the RPC is called directly. */
export const DEFAULT_THROTTLE = GetUserSession.parameters.ThrottleLimit.default;
export const DEFAULT_TIMEOUT_SEC = GetUserSession.parameters.TimeoutSec.default;

type HostResult = { sessions: UserSession[]; errors: TargetError[] };

function hostError(computer: string, e: unknown): TargetError {
  if (e instanceof ComputerError) return { ErrorId: e.errorId, Message: e.message, Target: computer, ComputerName: computer };
  const message = e instanceof Error ? e.message : String(e);
  return { ErrorId: 'BackendFailed', Message: `Listing the sessions of ${computer} failed: ${message}`, Target: computer, ComputerName: computer };
}

async function listOne(backend: Backend, computer: string | null, label: string, params: ListParams, timeoutMs: number): Promise<HostResult> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new ComputerError('ComputerTimeout', `${label} did not answer within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
  });
  try {
    const all = await Promise.race([backend.list(computer, { includeSystem: params.IncludeSystem === true, signal: abort.signal }), timeout]);
    return filterSessions(all, params, all[0]?.ComputerName ?? label);
  } catch (e) {
    return { sessions: [], errors: [hostError(label, e)] };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The same computer named twice is asked once: names are compared without regard to case, as
 * Windows compares host names, and the first spelling is the one reported.
 */
function distinctNames(names: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const name of names) if (!byKey.has(name.toLowerCase())) byKey.set(name.toLowerCase(), name);
  return [...byKey.values()];
}

export async function listComputers(backend: Backend, params: ListParams, localName: string): Promise<ListResult> {
  const named = params.ComputerName && params.ComputerName.length > 0 ? params.ComputerName : null;
  const computers: (string | null)[] = named ? distinctNames(named) : [null];
  const throttle = params.ThrottleLimit ?? DEFAULT_THROTTLE;
  const timeoutMs = (params.TimeoutSec ?? DEFAULT_TIMEOUT_SEC) * 1000;
  const results: HostResult[] = new Array(computers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < computers.length) {
      const i = next++;
      const computer = computers[i] as string | null;
      results[i] = await listOne(backend, computer, computer ?? localName, params, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(throttle, computers.length) }, worker));
  return { sessions: results.flatMap((r) => r.sessions), errors: results.flatMap((r) => r.errors) };
}
