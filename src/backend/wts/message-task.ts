/**
 * A message to one session (worker side): the session's user as it is now, then WTSSendMessageW,
 * over one server handle. With wait, this thread blocks until the user answers or the timeout
 * passes, which is why each session is its own task.
 */
import { Win32Error, type WtsCalls } from './calls.ts';
import { describeSession } from './describe.ts';
import type { MessageJob, MessageRow } from './jobs.ts';
import { withServer } from './server.ts';

export function messageSession(calls: WtsCalls, job: MessageJob): MessageRow {
  return withServer(calls, job.computer, (h) => {
    let userName: string | null = null;
    try {
      userName = describeSession(calls, h, job.id, job.computerName, null)?.UserName || null;
    } catch (e) {
      // The user is only reported; WTSSendMessageW says whether the session is there.
      if (!(e instanceof Win32Error)) throw e;
    }
    return { response: calls.sendMessage(h, job.id, job.title, job.text, job.style, job.timeoutSec, job.wait), userName };
  });
}
