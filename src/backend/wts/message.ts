/**
 * Send-UserSessionMessage on Windows (main thread): one WTSSendMessageW task per session on the
 * worker pool (message-task.ts), all at once, so that sessions waiting for an answer wait side by
 * side; the answer codes become the protocol's names (wts-api.md 4.4: the MessageBox button ids,
 * IDTIMEOUT 32000 and IDASYNC 32001, from Microsoft's WTSSendMessageW page).
 */
import type { TargetError } from '../../protocol/errors.ts';
import type { Outcome, ParamsOf } from '../../protocol/method.ts';
import type { SendMessage } from '../../protocol/methods.ts';
import { MESSAGE_BUTTONS, type MessageAnswer, type SessionMessage, type SessionTarget } from '../../protocol/session.ts';
import { isLocalComputer, reportedComputerName } from '../local-computer.ts';
import type { MessageRow } from './jobs.ts';
import type { WorkerPool } from './pool.ts';
import { errorIdOf, failureDetail, failureMessage } from './win32-errors.ts';

/** WTSSendMessageW's *pResponse values, by name. */
export const MESSAGE_RESPONSES: Readonly<Record<number, MessageAnswer>> = {
  1: 'Ok',
  2: 'Cancel',
  3: 'Abort',
  4: 'Retry',
  5: 'Ignore',
  6: 'Yes',
  7: 'No',
  10: 'TryAgain',
  11: 'Continue',
  32000: 'Timeout',
  32001: 'Async',
};

/** The title of a message box when none is given. */
export const DEFAULT_MESSAGE_TITLE = 'SessionTools';

/** Seconds a computer may take beyond the user's -TimeoutSec. */
const ANSWER_MARGIN_SEC = 15;

type MessageOutcome = Outcome<SessionMessage>;

function failed(target: SessionTarget, computerName: string, ErrorId: TargetError['ErrorId'], Message: string): MessageOutcome {
  return { Target: target, Item: null, Error: { ErrorId, Message, Target: target.SessionId, ComputerName: computerName } };
}

async function sendOne(pool: WorkerPool, target: SessionTarget, p: ParamsOf<typeof SendMessage>): Promise<MessageOutcome> {
  const local = isLocalComputer(target.ComputerName);
  const computerName = reportedComputerName(target.ComputerName);
  const computer = local ? null : (target.ComputerName as string).trim();
  const what = `Sending a message to session ${target.SessionId} on ${computerName} failed`;
  const job = {
    op: 'message' as const,
    computer,
    computerName,
    id: target.SessionId,
    // Never empty: old servers reject or mislabel an empty title (wts-api.md 4.4).
    title: p.Title || DEFAULT_MESSAGE_TITLE,
    text: p.Text,
    style: MESSAGE_BUTTONS.indexOf(p.Buttons ?? 'OK'),
    timeoutSec: p.TimeoutSec,
    wait: p.Wait,
  };
  let row: MessageRow;
  try {
    // A host that does not answer is given up in time for the client's own wait (TimeoutSec + 30 s).
    const reply = await pool.run(job, undefined, { timeoutMs: ((p.Wait ? p.TimeoutSec : 0) + ANSWER_MARGIN_SEC) * 1000 });
    if (!reply.ok) {
      if ('win32' in reply) {
        const id = errorIdOf(reply.win32.code);
        return failed(target, computerName, id, id === 'SessionNotFound' ? `No session with id ${target.SessionId} on ${computerName} (${failureDetail(reply.win32)}).` : failureMessage(what, reply.win32));
      }
      return failed(target, computerName, 'BackendFailed', `${what}: ${reply.message}`);
    }
    row = reply.value as MessageRow;
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') return failed(target, computerName, 'ComputerTimeout', `${what}: ${computerName} did not answer within ${(p.Wait ? p.TimeoutSec : 0) + ANSWER_MARGIN_SEC} s.`);
    return failed(target, computerName, 'BackendFailed', `${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const answer = MESSAGE_RESPONSES[row.response];
  if (answer === undefined) return failed(target, computerName, 'BackendFailed', `${what}: WTSSendMessageW answered ${row.response}, which is no MessageBox result.`);
  return { Target: target, Item: { ComputerName: computerName, SessionId: target.SessionId, UserName: row.userName, Answer: answer }, Error: null };
}

export async function sendMessages(pool: WorkerPool, p: ParamsOf<typeof SendMessage>): Promise<MessageOutcome[]> {
  return Promise.all(p.Targets.map((t) => sendOne(pool, t, p)));
}
