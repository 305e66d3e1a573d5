/**
 * One frame in, zero or one line out: decodes, parses, checks envelopes and hands requests to the
 * json-rpc-2.0 server. Batches are answered as an array (or not at all when they hold only
 * notifications), as JSON-RPC 2.0 section 6 says.
 */
import { JSONRPCErrorCode, createJSONRPCErrorResponse, type JSONRPCResponse, type JSONRPCServer } from 'json-rpc-2.0';
import { answerText } from './answer-text.ts';
import { checkEnvelope, invalidRequest } from './envelope.ts';
import type { ProgressChannel } from './progress.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseError(why: string): JSONRPCResponse {
  return createJSONRPCErrorResponse(null, JSONRPCErrorCode.ParseError, 'Parse error', { reason: why });
}

async function one(server: JSONRPCServer, value: unknown, progress: ProgressChannel | undefined): Promise<JSONRPCResponse | null> {
  const checked = checkEnvelope(value);
  if (!checked.ok) return checked.response;
  const { request } = checked;
  return progress ? progress.around(request, () => server.receive(request)) : server.receive(request);
}

/**
 * Returns the text of the answer (no newline), or null when nothing is to be sent. `progress`: where
 * a long request's progress notifications go, before its answer (progress.ts).
 */
export async function dispatchFrame(server: JSONRPCServer, frame: Buffer, progress?: ProgressChannel): Promise<string | null> {
  let text: string;
  try {
    text = utf8.decode(frame);
  } catch {
    return JSON.stringify(parseError('the frame is not valid UTF-8'));
  }
  if (text.trim() === '') return null; // blank lines between frames are tolerated
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return JSON.stringify(parseError(e instanceof RangeError ? 'nested too deeply' : 'not valid JSON'));
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return JSON.stringify(invalidRequest(null, 'an empty batch'));
    const answers = (await Promise.all(value.map((v) => one(server, v, progress)))).filter((a): a is JSONRPCResponse => a !== null);
    return answers.length === 0 ? null : answerText(answers);
  }
  const answer = await one(server, value, progress);
  return answer === null ? null : answerText(answer);
}

export function oversizeAnswer(bytes: number, max: number): string {
  return JSON.stringify(invalidRequest(null, `the frame has ${bytes} bytes; at most ${max} are read`));
}
