/**
 * The helper's answer to a module of another protocol version, read as a user reads it: the error
 * says both versions and what to do; the helper writes nothing to stderr for it (a refused call is
 * an answer, not a fault) and keeps serving.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HelperProcess, PROTOCOL_VERSION, stopAllHelpers } from './support.ts';

afterAll(async () => {
  await stopAllHelpers();
});

describe('initialize with another protocol version', () => {
  it('is refused with both versions and the fix in the message, and nothing on stderr', async () => {
    const helper = HelperProcess.start({ initialize: false });
    const other = PROTOCOL_VERSION + 1;
    const answer = await helper.request('initialize', { ProtocolVersion: other }, 'mismatch', 10_000);
    expect(answer.error).toEqual({
      code: -32000,
      message: `The module speaks protocol ${other}; this helper speaks ${PROTOCOL_VERSION}. Reinstall the module so both come from one build.`,
      data: { HelperProtocolVersion: PROTOCOL_VERSION },
    });
    expect((await helper.request('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 'ok', 10_000)).result).toMatchObject({ ProtocolVersion: PROTOCOL_VERSION });
    expect(helper.stderr).toBe('');
  });
});
