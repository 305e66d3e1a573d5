/**
 * sessions.message's own kinds of parameters, checked by the real helper: a required text with a
 * length limit (Text), an optional one (Title) and one value out of a set (Buttons). Refused values
 * are Invalid params (-32602) naming the member and why; the bounds themselves are accepted and
 * reach the backend, which answers for a session that does not exist (no message is written).
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX } from '../../src/protocol/methods.ts';
import { MESSAGE_BUTTONS } from '../../src/protocol/session.ts';
import { deadPid, makeTempDir, removeDir } from '../linux-backend/support.ts';
import { HelperProcess, stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

let dir: string;
let helper: HelperProcess;
/** A session id with no session: the pid of a process that has exited. */
let gone: number;
let requestNo = 0;

beforeAll(async () => {
  dir = makeTempDir('st-message-params-');
  gone = await deadPid();
  // An empty utmp file: no session on this computer at all.
  writeFileSync(join(dir, 'utmp'), '');
  helper = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: join(dir, 'utmp') } });
});
afterAll(async () => {
  await stopAllHelpers();
  removeDir(dir);
  removeWtsHelperFiles();
});

const message = (params: Record<string, unknown>) => helper.request('sessions.message', { Targets: [{ SessionId: gone }], Text: 'hello', ...params }, `m${++requestNo}`, 10_000);

const BUTTONS = MESSAGE_BUTTONS.join(', ');
const TARGETS = `{ SessionId: 0..${2 ** 31 - 1}, ComputerName?: string } objects`;
const MAX = MESSAGE_TEXT_MAX;

describe('sessions.message refuses', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['no Text', { Text: undefined }, '"Text" is required'],
    ['a null Text', { Text: null }, '"Text" is required'],
    ['an empty Text', { Text: '' }, '"Text" must not be empty'],
    ['a Text that is a number', { Text: 42 }, '"Text" must be a string; it is 42'],
    ['a Text one character over the limit', { Text: 'x'.repeat(MAX + 1) }, `"Text" is a text of ${MAX + 1} characters, '${'x'.repeat(199)}...; at most ${MAX} are accepted`],
    ['a Title one character over the limit', { Title: 't'.repeat(MAX + 1) }, `"Title" is a text of ${MAX + 1} characters, '${'t'.repeat(199)}...; at most ${MAX} are accepted`],
    ['a Title that is an array', { Title: ['a'] }, '"Title" must be a string; it is ["a"]'],
    // An action takes only what is written: null is not "absent" there.
    ['a null Title', { Title: null }, '"Title" must be a string; it is null'],
    ['null Buttons', { Buttons: null }, `"Buttons" must be one of ${BUTTONS}; it is null`],
    ['Buttons out of the set', { Buttons: 'Maybe' }, `"Buttons" must be one of ${BUTTONS}; it is 'Maybe'`],
    ['Buttons in the wrong case', { Buttons: 'ok' }, `"Buttons" must be one of ${BUTTONS}; it is 'ok'`],
    ['Buttons that is a number', { Buttons: 1 }, `"Buttons" must be one of ${BUTTONS}; it is 1`],
    ['a target that is null', { Targets: [null] }, `"Targets" must hold only ${TARGETS}; it holds null`],
    ['a target that is a number', { Targets: [5] }, `"Targets" must hold only ${TARGETS}; it holds 5`],
    ['a target that is an array', { Targets: [[5]] }, `"Targets" must hold only ${TARGETS}; it holds [5]`],
    // Shown one level deep: a nested object or array as "...", a nested null as null.
    ['a target that is an array of an object, an array and null', { Targets: [[{ SessionId: 1 }, [2], null]] }, `"Targets" must hold only ${TARGETS}; it holds ["...","...",null]`],
    ['a target with another member', { Targets: [{ SessionId: 5, Server: 'x' }] }, `"Targets" must hold only ${TARGETS}; it holds {"SessionId":5,"Server":"x"}`],
    ['a target without a SessionId', { Targets: [{ ComputerName: 'srv1' }] }, `"Targets" must hold only ${TARGETS}; it holds {"ComputerName":"srv1"}`],
    ['a target whose ComputerName is a number', { Targets: [{ SessionId: 5, ComputerName: 7 }] }, `"Targets" must hold only ${TARGETS}; it holds {"SessionId":5,"ComputerName":7}`],
    ['a target whose ComputerName no computer can have', { Targets: [{ SessionId: 5, ComputerName: 'a b' }] }, `"Targets" must hold only ${TARGETS}; it holds {"SessionId":5,"ComputerName":"a b"}`],
    // A value is shown whole up to 200 characters (quotes included), and cut past that.
    ['Buttons of 198 characters, shown whole', { Buttons: 'b'.repeat(198) }, `"Buttons" must be one of ${BUTTONS}; it is '${'b'.repeat(198)}'`],
    ['Buttons of 199 characters, shown cut', { Buttons: 'b'.repeat(199) }, `"Buttons" must be one of ${BUTTONS}; it is '${'b'.repeat(199)}...`],
  ];
  for (const [name, params, why] of cases) {
    it(name, async () => {
      const answer = await message(params);
      expect(answer.error).toEqual({ code: -32602, message: `Invalid params: ${why}` });
    });
  }
});

describe('sessions.message accepts, and answers for the session', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['a Text of exactly the limit', { Text: 'x'.repeat(MAX) }],
    ['a Title of exactly the limit', { Title: 't'.repeat(MAX) }],
    ['an empty Title', { Title: '' }],
    ['a target on this computer by name, and one with a null ComputerName', { Targets: [{ SessionId: 0, ComputerName: 'localhost' }, { SessionId: 1, ComputerName: null }] }],
    ...MESSAGE_BUTTONS.map((b): [string, Record<string, unknown>] => [`Buttons ${b}`, { Buttons: b }]),
  ];
  for (const [name, params] of accepted) {
    it(name, async () => {
      const answer = await message(params);
      expect(answer.error).toBeUndefined();
      const outcomes = (answer.result as { Outcomes: { Target: unknown; Error: { ErrorId: string } | null }[] }).Outcomes;
      const targets = (params.Targets as unknown[] | undefined) ?? [{ SessionId: gone }];
      expect(outcomes.map((o) => [o.Target, o.Error?.ErrorId])).toEqual(targets.map((t) => [t, 'SessionNotFound']));
    });
  }
  it('the error for a session that does not exist is SessionNotFound, on this computer', async () => {
    const answer = await message({});
    const [outcome] = (answer.result as { Outcomes: { Error: { ErrorId: string; ComputerName: string } | null }[] }).Outcomes;
    expect(outcome?.Error).toMatchObject({ ErrorId: 'SessionNotFound', Target: gone, ComputerName: hostname() });
  });
});

describe('sessions.message with Title and Buttons left out', () => {
  it('reaches the session (WTS double) with the default title and an OK button, not waited for', async () => {
    const wts = startWtsHelper([{ name: '.', sessions: [{ id: 3, state: 'Active', winStation: 'RDP-Tcp#3', user: 'alice', domain: 'LAB' }] }]);
    const answer = await wts.helper.request('sessions.message', { Targets: [{ SessionId: 3 }], Text: 'hello' }, 'defaults', 20_000);
    expect(answer.error).toBeUndefined();
    const outcomes = (answer.result as { Outcomes: { Item: { Answer: string } | null; Error: unknown }[] }).Outcomes;
    expect(outcomes.map((o) => [o.Item?.Answer, o.Error])).toEqual([['Async', null]]);
    const shown = wts.events().filter((e) => e.event === 'message');
    // MB_OK is style 0 (wts-api.md); the title the backend puts in when none is given.
    expect(shown.map((e) => [e.session, e.title, e.message, e.style])).toEqual([[3, 'SessionTools', 'hello', 0]]);
  });
});
