/**
 * The answer writer (src/helper/answer-text.ts) and this computer's WTS sessions as JSON text
 * (src/backend/wts/listed-session.ts): the text the helper writes is byte for byte what
 * JSON.stringify writes for the same answer with plain sessions, whatever the names hold (quotes,
 * backslashes, the text that separates two sessions, control characters, names beyond the BMP,
 * lone surrogates), with IsCurrent set, unset or set on some; and through the real helper on the
 * wtsapi32 double the answer is one valid JSON-RPC 2.0 response whose sessions are those names.
 */
import { hostname } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { listedSessions, sessionJson, sessionsText, ListedSession } from '../../src/backend/wts/listed-session.ts';
import { answerText } from '../../src/helper/answer-text.ts';
import { JSON_TEXT } from '../../src/protocol/json-text.ts';
import type { UserSession } from '../../src/protocol/session.ts';
import { toFileTime, type FixtureSession } from '../wts/support/double.ts';
import { stopAllHelpers } from './support.ts';
import { removeWtsHelperFiles, startWtsHelper } from './wts-double.ts';

afterEach(async () => {
  await stopAllHelpers();
});
afterAll(() => removeWtsHelperFiles());

/** Names that JSON must escape, or that look like the text between two sessions (at most 20 units: WTSCLIENTW's ClientName holds no more). */
const NAMES = ['plain', 'quo"te', 'back\\slash', 'ends in \\', '},{"SessionId":1,"', 'tab\tnew\nline\u0001', 'jürgen😀', 'lone \ud800 high', 'lone \udc00 low', '', '\u2028\u2029', '</script>'];

function session(i: number, name: string): UserSession {
  return {
    ComputerName: 'HOST"\\1', SessionId: i, SessionName: name === '' ? null : `RDP-Tcp#${name}`, UserName: name, Domain: i % 3 ? name : null,
    State: i % 2 ? 'Active' : 'Disconnected', Idle: i % 4 ? i * 1000 : null, LogonTime: '2026-03-01T08:00:00.000Z', LastInputTime: i % 2 ? null : '2026-03-01T11:58:30.000Z',
    ConnectTime: '2026-03-01T08:00:00.000Z', DisconnectTime: null, ClientName: name, ClientAddress: i % 2 ? '10.0.0.1' : '2001:db8::7:1', IsLocked: i % 3 === 0 ? null : i % 3 === 1, Protocol: i % 2 ? 'RDP' : null,
  };
}

const plain = (): UserSession[] => NAMES.map((name, i) => session(i + 1, name));
/** The sessions as the worker sends them and the main thread gets them (a structured clone in between). */
const listed = (sessions: UserSession[]): ListedSession[] => listedSessions(structuredClone(sessionsText(sessions.map(sessionJson))));

describe('sessions as JSON text (listed-session.ts)', () => {
  it('each ListedSession has every member of its session, read from the text', () => {
    const sessions = plain();
    const got = listed(sessions);
    expect(got).toHaveLength(sessions.length);
    got.forEach((s, i) => {
      const want = sessions[i] as UserSession;
      for (const key of Object.keys(want) as (keyof UserSession)[]) expect(s[key]).toStrictEqual(want[key]);
      expect(s.toJSON()).toStrictEqual(want);
    });
  });

  it('only IsCurrent can be set: the members the text holds are read-only', () => {
    const [s] = listed([session(1, 'alice')]);
    expect(() => {
      (s as { State: string }).State = 'Disconnected';
    }).toThrow(TypeError);
    expect(() => {
      (s as { UserName: string }).UserName = 'mallory';
    }).toThrow(TypeError);
    expect(() => {
      (s as { Idle: number }).Idle = 5;
    }).toThrow(TypeError);
    expect((s as ListedSession).Idle).toBe(session(1, 'alice').Idle);
    (s as ListedSession).IsCurrent = true;
    expect((s as ListedSession).toJSON()).toStrictEqual({ ...session(1, 'alice'), IsCurrent: true });
  });

  it('no sessions; a session that carries IsCurrent (only the helper sets it), or of another computer, is refused', () => {
    expect(listed([])).toEqual([]);
    expect(() => sessionJson({ ...session(1, 'a'), IsCurrent: false })).toThrow(/IsCurrent/);
    expect(() => sessionsText([session(1, 'a'), { ...session(2, 'b'), ComputerName: 'other' }].map(sessionJson))).toThrow(/described together/);
  });
});

describe('the answer writer (answer-text.ts)', () => {
  it('writes a listing of ListedSessions as JSON.stringify writes the same listing of plain sessions, IsCurrent set on some', () => {
    const sessions = plain();
    const mine = listed(sessions);
    const marked = (s: UserSession, i: number): UserSession => (i % 3 === 2 ? s : Object.assign(s, { IsCurrent: i === 4 }));
    mine.forEach(marked);
    const expected = { jsonrpc: '2.0', id: 7, result: { Items: sessions.map((s, i) => marked({ ...s }, i)), Errors: [{ ErrorId: 'UserNotFound', Message: 'No "x"', Target: 'x', ComputerName: 'h' }] } };
    const answer = { jsonrpc: '2.0', id: 7, result: { Items: mine, Errors: expected.result.Errors } };
    const text = answerText(answer);
    expect(text).toBe(JSON.stringify(expected));
    expect(text).toBe(JSON.stringify(answer)); // the ListedSessions' toJSON says the same
    const parsed = JSON.parse(text) as { jsonrpc: string; id: number; result: { Items: UserSession[] } };
    expect(Object.keys(parsed)).toEqual(['jsonrpc', 'id', 'result']);
    expect(parsed.result.Items.map((s) => s.UserName)).toEqual(NAMES); // lone surrogates too: JSON.stringify escapes them (\ud800)
  });

  it('writes a batch, and ListedSessions mixed with plain ones, as JSON.stringify does', () => {
    const mine = listed(plain().slice(0, 3));
    const batch = [{ jsonrpc: '2.0', id: 'a', result: { Items: [session(9, 'remote'), ...mine], Errors: [] } }, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request', data: { reason: 'x' } } }];
    expect(answerText(batch)).toBe(JSON.stringify(batch));
  });

  it('every other value is JSON.stringify\'s: undefined members left out, holes and undefined items as null, toJSON, nested objects', () => {
    const values: unknown[] = [
      { a: undefined, b: () => 1, c: Symbol('s'), d: null, e: [undefined, () => 1, , 3], f: new Date(0), g: { h: [{ i: 'j' }] }, [Symbol('k')]: 1 },
      [listed([session(1, 'x')])[0], undefined, { deep: listed([session(2, 'y')]) }],
      'text',
      42,
      null,
      { result: { Items: [] } },
    ];
    for (const v of values) expect(answerText(v)).toBe(JSON.stringify(v));
  });
});

describe('where the answer writer uses an object\'s own JSON text (its speed: 5,000 sessions not serialized again)', () => {
  /** An object whose own text and whose JSON.stringify form differ, so that the output shows which was written. */
  const own = (text: string) => ({ [JSON_TEXT]: () => text, toJSON: () => 'member by member' });

  it('writes it as its text in plain objects (also without a prototype) and in arrays that hold one directly, at any depth', () => {
    const bare = Object.assign(Object.create(null) as object, { s: own('4') });
    const answer = { jsonrpc: '2.0', id: 1, result: { Items: [own('{"a":1}'), { x: own('2') }, 'text', null, undefined], one: own('3'), bare, nothing: undefined } };
    expect(answerText(answer)).toBe('{"jsonrpc":"2.0","id":1,"result":{"Items":[{"a":1},{"x":2},"text",null,null],"one":3,"bare":{"s":4}}}');
    expect(answerText(own('"alone"'))).toBe('"alone"');
    // Looked for in an array past null, numbers, texts and booleans (none of which holds one).
    expect(answerText([null, 7, 'x', false, own('1')])).toBe('[null,7,"x",false,1]');
  });

  it('leaves every other object to JSON.stringify: an array holding none directly (at any depth), an object with toJSON, an instance of a class', () => {
    class Box {
      constructor(readonly s: unknown) {}
    }
    const values: unknown[] = [
      [{ x: own('2') }],
      { toJSON: () => ({ x: own('2') }), y: own('3') },
      new Box(own('5')),
      { z: [[own('6')]] },
    ];
    expect(values.map((v) => answerText(v))).toEqual(['[{"x":"member by member"}]', '{"x":"member by member"}', '{"s":"member by member"}', '{"z":[["member by member"]]}']);
    for (const v of values) expect(answerText(v)).toBe(JSON.stringify(v));
  });
});

describe('the helper\'s answer on the wtsapi32 double', () => {
  it('is one valid JSON-RPC 2.0 response, its sessions named as the double names them', async () => {
    const now = toFileTime(new Date('2026-03-01T12:00:00Z'));
    // The fixture is written URI-encoded, which a lone surrogate cannot be.
    const names = NAMES.filter((n) => n !== '' && !n.startsWith('lone'));
    const sessions: FixtureSession[] = names.map((name, i) => ({ id: i + 1, state: 'Active', winStation: `RDP-Tcp#${i + 1}`, user: name, domain: 'LAB', clientName: name, address: '10.0.0.9', logon: now, lastInput: now, current: now, protocol: 2 }));
    const wts = startWtsHelper([{ name: '.', sessions }], { self: 2 });
    const id = 'listing';
    await wts.helper.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'sessions.list', params: {} }));
    const answer = await wts.helper.answer(id, 20_000);
    const line = wts.helper.lines.find((l) => l.includes(`"id":"${id}"`)) as string;
    const parsed = JSON.parse(line) as { jsonrpc: string; id: string; result: { Items: UserSession[]; Errors: unknown[] } };
    expect(Object.keys(parsed)).toEqual(['jsonrpc', 'id', 'result']);
    expect(parsed).toMatchObject({ jsonrpc: '2.0', id });
    expect(answer.result).toEqual(parsed.result);
    expect(parsed.result.Errors).toEqual([]);
    expect(parsed.result.Items.map((s) => [s.SessionId, s.UserName, s.ClientName, s.ComputerName, s.IsCurrent])).toEqual(names.map((n, i) => [i + 1, n, n, hostname(), i + 1 === 2]));
    // The members in the protocol's order, IsCurrent last, as JSON.stringify of a plain session writes them.
    expect(line).toBe(JSON.stringify(parsed));
  });
});
