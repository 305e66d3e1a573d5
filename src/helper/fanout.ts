/**
 * sessions.list over many computers at once: at most ThrottleLimit at a time, each bounded by
 * TimeoutSec, so one dead or slow computer costs one error and never delays the others beyond its
 * own timeout. Sessions come back grouped by computer, in the order the computers were named.
 *
 * TimeoutSec is counted by the backend from the moment it starts asking a computer (a computer
 * queued behind others for a worker thread was not slow: it was not asked yet). Here only a backstop
 * runs, for a backend that cannot even start asking: three times TimeoutSec plus BACKSTOP_SLACK_MS,
 * room for worker threads that start slowly (from source under tsx, or on a loaded machine), and
 * never past the moment the client stops waiting for the whole answer (answer-by.ts). A computer
 * can wait that long for a slot when calls to computers that did not answer hold them all (each
 * keeps its slot until Windows returns, docs/wts-api.md 5.9): it is then that computer's
 * ComputerTimeout, and the others' answers still reach the caller, where the client's own timeout
 * would stop the helper and lose them all.
 */
import { ComputerError, type Backend } from '../backend/backend.ts';
import type { TargetError } from '../protocol/errors.ts';
import type { ParamsOf, ResultOf } from '../protocol/method.ts';
import { ListSessions } from '../protocol/methods.ts';
import type { UserSession } from '../protocol/session.ts';
import { answerBy } from './answer-by.ts';
import { filterSessions } from './filter.ts';
import { requestProgress } from './progress.ts';
import { isComputerName, shown } from './validate.ts';

/** sessions.list's params as checked: ThrottleLimit and TimeoutSec hold the declared defaults when not sent. */
export type ListParams = ParamsOf<typeof ListSessions>;
type ListResult = ResultOf<typeof ListSessions>;

/** A name that passed the cmdlet but that no computer can have: that computer's error, not the call's. */
function notAComputerName(name: string): TargetError {
  const message = `Cannot ask ${shown(name)}: it is not a computer name (a host name, an FQDN or an address: at most 255 ASCII letters, digits and . _ : % [ ] -).`;
  return { ErrorId: 'InvalidArgument', Message: message, Target: name, ComputerName: name };
}

function hostError(computer: string, e: unknown): TargetError {
  if (e instanceof ComputerError) return { ErrorId: e.errorId, Message: e.message, Target: computer, ComputerName: computer };
  const message = e instanceof Error ? e.message : String(e);
  return { ErrorId: 'BackendFailed', Message: `Listing the sessions of ${computer} failed: ${message}`, Target: computer, ComputerName: computer };
}

const BACKSTOP_SLACK_MS = 10_000;

async function listOne(backend: Backend, computer: string | null, label: string, params: ListParams, timeoutMs: number, deadline: number): Promise<ListResult> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const backstopMs = timeoutMs * 3 + BACKSTOP_SLACK_MS;
  const leftMs = Math.max(0, deadline - Date.now());
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      const message =
        leftMs < backstopMs
          ? `${label} was not answered before the command's time ran out (waiting for a free slot included: calls to computers that did not answer hold their slots until they return).`
          : `${label} was not answered within ${backstopMs / 1000} s (waiting for a free worker included).`;
      reject(new ComputerError('ComputerTimeout', message));
    }, Math.min(backstopMs, leftMs));
  });
  try {
    const all = await Promise.race([backend.list(computer, { includeSystem: params.IncludeSystem, signal: abort.signal, timeoutMs }), timeout]);
    return filterSessions(all, params, all[0]?.ComputerName ?? label);
  } catch (e) {
    return { Items: [], Errors: [hostError(label, e)] };
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
  const computers: (string | null)[] = params.ComputerName.length > 0 ? distinctNames(params.ComputerName) : [null];
  const timeoutMs = params.TimeoutSec * 1000;
  const deadline = answerBy(ListSessions.timeout, params);
  const results: ListResult[] = new Array(computers.length);
  // A long fan-out reports the computers answered so far (progress.ts; nothing when not asked for).
  const progress = requestProgress();
  if (progress) Object.assign(progress, { completed: 0, total: computers.length });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < computers.length) {
      const i = next++;
      const computer = computers[i] as string | null;
      results[i] =
        computer !== null && !isComputerName(computer)
          ? { Items: [], Errors: [notAComputerName(computer)] }
          : await listOne(backend, computer, computer ?? localName, params, timeoutMs, deadline);
      if (progress) progress.completed = (progress.completed ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(params.ThrottleLimit, computers.length) }, worker));
  return { Items: results.flatMap((r) => r.Items), Errors: results.flatMap((r) => r.Errors) };
}
