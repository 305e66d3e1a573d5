/**
 * Drives the real helper process with 10,000 generated frames from a seeded PRNG. The seed is
 * printed; SESSIONTOOLS_FUZZ_SEED=<n> replays a run.
 *
 * The helper reads a utmp file holding the sessions of three live guard processes (`sleep 600`,
 * each in a session of its own). Every sessions.logoff / sessions.disconnect frame that names a
 * guard's SessionId is invalid in some way (envelope, params, JSON, UTF-8), and valid action calls
 * name only other ids, so at the end all three guards must be alive: nothing was logged off.
 *
 * Every frame that needs an answer gets exactly one, of the shape JSON-RPC 2.0 gives it: requests
 * carry unique ids, so answers are paired by id; id-less answers (parse errors, invalid requests
 * without a usable id) are counted by error code. The frames go in groups; each group must be
 * answered within a bounded time, and the helper must never exit.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_STATES } from '../../src/protocol/session.ts';
import {
  buildUtmpWriter,
  isGone,
  makeTempDir,
  removeDir,
  startLeader,
  stopAll,
  writeUtmp,
} from '../linux-backend/support.ts';
import { HelperProcess, PROTOCOL_VERSION, initializeFrame, requireHelperBundle, responseShapeProblem, stopAllHelpers, type RpcAnswer } from './support.ts';

const FRAMES = 10_000;
const GROUP = 100;
/** Longest wait for the answers of one group of frames (a 9 MB frame included). */
const GROUP_TIMEOUT_MS = 15_000;
const RUN_BUDGET_MS = 120_000;
const INT32_MAX = 2 ** 31 - 1;
const HOST = hostname();

const seed = process.env.SESSIONTOOLS_FUZZ_SEED !== undefined ? Number(process.env.SESSIONTOOLS_FUZZ_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;

/** mulberry32: small, fast, good enough to explore; the same seed gives the same frames. */
function mulberry32(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Id = string | number;
/** What one answer (or one element of a batch answer) must be. */
type Want =
  | { kind: 'error'; code: number }
  /** A valid call: a result, checked by `check` (a problem description, or null). */
  | { kind: 'result'; method: string; check: (result: unknown) => string | null };

interface Expect {
  /** The id the answer must carry; null for answers without a usable id. */
  id: Id | null;
  want: Want;
}

/** One element of a frame: its JSON text and its answer (null: a notification, not answered). */
interface Element {
  text: string;
  expect: Expect | null;
  /** Names a guard's SessionId in a logoff/disconnect call (always invalid). */
  guard: boolean;
}

type Answers = { kind: 'none' } | { kind: 'single'; expect: Expect } | { kind: 'batch'; expects: Expect[] };

interface Frame {
  bytes: Buffer;
  answers: Answers;
  what: string;
  guard: boolean;
}

const idKey = (id: Id): string => `${typeof id}:${String(id)}`;

class Generator {
  private readonly r: () => number;
  private counter = 0;
  private readonly usedIds = new Set<string>();
  guardFrames = 0;

  constructor(
    seedValue: number,
    private readonly guards: readonly number[],
    private readonly helperPid: () => number,
  ) {
    this.r = mulberry32(seedValue);
  }

  // ---- basics ----
  private int(n: number): number {
    return Math.floor(this.r() * n);
  }
  private chance(p: number): boolean {
    return this.r() < p;
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  private char(): string {
    return this.pick([
      () => String.fromCharCode(0x61 + this.int(26)),
      () => String.fromCharCode(0x41 + this.int(26)),
      () => String.fromCharCode(0x30 + this.int(10)),
      () => this.pick(['-', '_', '.', ' ', '$', '\\', '/', '(', ')', '+', '^', '|', '{', '}', '"', "'", ',', ':', '\t', '\u0000', '\u007f']),
      () => this.pick(['é', 'ß', 'ñ', '日', '本', 'ü', 'Ω', '😀', '\u2028', '\u00a0', '\ufeff', '\ud800', '\udfff']),
    ])();
  }
  private str(max = 12): string {
    let s = '';
    const n = this.int(max + 1);
    for (let i = 0; i < n; i++) s += this.char();
    return s;
  }

  /** A PowerShell wildcard pattern that is well formed (sets and ascending ranges only). */
  private pattern(): string {
    let p = '';
    const n = 1 + this.int(6);
    for (let i = 0; i < n; i++) {
      p += this.pick([
        () => this.str(4),
        () => '*',
        () => '?',
        () => `\`${this.pick(['*', '?', '[', ']', '`', '-', 'a'])}`,
        () => `[${this.pick(['abc', 'xyz', 'a-z', '0-9', 'A-Z', 'a-c0-2', '-a', 'a-', '.^$'])}]`,
        () => this.pick(['alice', 'guard', 'svc-backup', 'root', 'x.y']),
      ])();
    }
    return p;
  }

  /** A fresh id, never used before in the run: small and huge, negative, strings, unicode. */
  id(): Id {
    for (;;) {
      const n = ++this.counter;
      const id: Id = this.pick<() => Id>([
        () => n,
        () => n,
        () => `f${n}`,
        () => -n,
        () => n + 0.5,
        () => (this.chance(0.5) ? 1 : -1) * this.r() * 1e308,
        () => (this.chance(0.5) ? 1 : -1) * (2 ** 53 + n * 2),
        () => 2 ** 63 + n * 2 ** 12,
        () => `${this.str(8)}#${n}`,
        () => `${'x'.repeat(this.int(10_000))}${n}`,
        () => '',
      ])();
      if (typeof id === 'number' && (!Number.isFinite(id) || Object.is(id, -0))) continue;
      const key = idKey(id);
      if (this.usedIds.has(key)) continue;
      this.usedIds.add(key);
      return id;
    }
  }

  /** Any JSON value, of any type. */
  value(depth = 0): unknown {
    const kinds = depth > 2 ? 5 : 7;
    switch (this.int(kinds)) {
      case 0: return null;
      case 1: return this.chance(0.5);
      case 2: return this.pick([0, -1, 1.5, 2 ** 31, -(2 ** 31), 1e300, -1e300, 2 ** 53 + 2, this.int(1000)]);
      case 3: return this.str();
      case 4: return this.pick(['2.0', '1.0', 'initialize', 'sessions.list', 'true', '']);
      case 5: return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(4); i > 0; i--) o[this.pick(['a', 'SessionId', 'targets', 'UserName', 'id', 'method', this.str(5)])] = this.value(depth + 1);
        return o;
      }
    }
  }

  /** A value that is not of the type `ok` accepts. */
  private wrong(ok: (v: unknown) => boolean): unknown {
    for (;;) {
      const v = this.value();
      if (!ok(v)) return v;
    }
  }

  /** A SessionId in range that is no guard's. */
  private freeSessionId(): number {
    for (;;) {
      const v = this.pick([0, 1, 2, INT32_MAX, this.int(INT32_MAX + 1), this.int(100_000), this.int(4_194_304)]);
      if (!this.guards.includes(v)) return v;
    }
  }
  private guardId(): number {
    return this.pick(this.guards);
  }
  private badSessionId(): unknown {
    return this.pick<() => unknown>([
      () => -1,
      () => -1 - this.int(INT32_MAX),
      () => INT32_MAX + 1,
      () => 2 ** 32 + this.int(1000),
      () => 1e300,
      () => -1e300,
      () => 2 ** 53 + 2,
      () => this.guardId() + 0.5,
      () => String(this.guardId()),
      () => null,
      () => true,
      () => [this.guardId()],
      () => ({ SessionId: this.guardId() }),
    ])();
  }
  private computerName(): string | null | undefined {
    return this.pick<() => string | null | undefined>([
      () => undefined,
      () => null,
      () => '.',
      () => 'localhost',
      () => HOST,
      () => HOST.toUpperCase(),
      () => 'remote.example',
      () => '10.0.0.1',
      () => Array.from({ length: 1 + this.int(12) }, () => this.pick([...'abcxyzABC019.-'])).join(''),
    ])();
  }
  private target(sessionId: number): Record<string, unknown> {
    const t: Record<string, unknown> = { SessionId: sessionId };
    const c = this.computerName();
    if (c !== undefined) t.ComputerName = c;
    return t;
  }

  // ---- elements ----
  private request(method: unknown, params: unknown, id: unknown | undefined, extra: Record<string, unknown> = {}): string {
    const r: Record<string, unknown> = { jsonrpc: '2.0', method };
    if (params !== undefined) r.params = params;
    if (id !== undefined) r.id = id;
    return JSON.stringify({ ...r, ...extra });
  }

  /** A valid call of a random method with random valid params. Never names a guard in an action. */
  private validCall(withId: boolean): Element {
    const id = withId ? this.id() : undefined;
    const ex = (want: Want): Expect | null => (id === undefined ? null : { id, want });
    switch (this.int(5)) {
      case 0: {
        if (this.chance(0.8)) {
          const pid = this.helperPid();
          return {
            text: this.request('initialize', { ProtocolVersion: PROTOCOL_VERSION }, id),
            expect: ex({
              kind: 'result',
              method: 'initialize',
              check: (r) => ((r as { Pid?: unknown }).Pid === pid && (r as { ProtocolVersion?: unknown }).ProtocolVersion === PROTOCOL_VERSION ? null : 'not this helper\'s handshake'),
            }),
            guard: false,
          };
        }
        const v = this.pick([0, PROTOCOL_VERSION + 1, -1, 1000, INT32_MAX, -(2 ** 40)]);
        return { text: this.request('initialize', { ProtocolVersion: v }, id), expect: ex({ kind: 'error', code: -32000 }), guard: false };
      }
      case 1: {
        const p: Record<string, unknown> = {};
        if (this.chance(0.5)) p.UserName = this.chance(0.1) ? null : Array.from({ length: this.int(4) }, () => this.pattern());
        if (this.chance(0.5)) p.Id = this.chance(0.1) ? null : Array.from({ length: this.int(4) }, () => (this.chance(0.3) ? this.guardId() : this.freeSessionId()));
        if (this.chance(0.4)) p.State = this.chance(0.1) ? null : Array.from({ length: this.int(3) }, () => this.pick(SESSION_STATES));
        // Only this computer: other names would make the helper reach out over the network.
        if (this.chance(0.2)) p.ComputerName = this.chance(0.1) ? null : Array.from({ length: this.int(3) }, () => this.pick(['.', 'localhost', HOST]));
        if (this.chance(0.2)) p.IncludeSystem = this.pick([true, false, null]);
        if (this.chance(0.2)) p.ThrottleLimit = this.pick([1, 2, 32, 1024, null]);
        if (this.chance(0.2)) p.TimeoutSec = this.pick([1, 15, 3600, null]);
        const guards = this.guards;
        return {
          text: this.request('sessions.list', this.chance(0.1) ? undefined : p, id),
          expect: ex({
            kind: 'result',
            method: 'sessions.list',
            check: (r) => {
              const res = r as { Items?: unknown; Errors?: unknown };
              if (!Array.isArray(res.Items) || !Array.isArray(res.Errors)) return 'not { Items: [], Errors: [] }';
              for (const s of res.Items as { SessionId?: unknown }[]) if (!guards.includes(s.SessionId as number)) return `a session that is no guard's: ${JSON.stringify(s)}`;
              return null;
            },
          }),
          guard: false,
        };
      }
      default: {
        const method = this.chance(0.6) ? 'sessions.logoff' : 'sessions.disconnect';
        const targets = Array.from({ length: this.int(5) }, () => this.target(this.freeSessionId()));
        const p: Record<string, unknown> = { Targets: targets };
        if (this.chance(0.6)) p.Wait = this.chance(0.5);
        return {
          text: this.request(method, p, id),
          expect: ex({
            kind: 'result',
            method,
            check: (r) => {
              const outcomes = (r as { Outcomes?: unknown }).Outcomes;
              if (!Array.isArray(outcomes) || outcomes.length !== targets.length) return 'not one outcome per target';
              for (const [i, o] of (outcomes as { Target?: unknown; Item?: unknown; Error?: { ErrorId?: unknown } | null }[]).entries()) {
                if (JSON.stringify(o.Target) !== JSON.stringify(targets[i])) return `outcome ${i} names another target`;
                // None of these ids is a session: nothing can have been logged off.
                if (o.Item !== null || o.Error === null || o.Error === undefined) return `outcome ${i} is not a failure: ${JSON.stringify(o)}`;
                const allowed = method === 'sessions.disconnect' ? ['NotSupportedOnPlatform'] : ['SessionNotFound', 'NotSupportedOnPlatform'];
                if (!allowed.includes(o.Error.ErrorId as string)) return `outcome ${i}: unexpected ${String(o.Error.ErrorId)}`;
              }
              return null;
            },
          }),
          guard: false,
        };
      }
    }
  }

  /** Valid envelope, invalid params (wrong type in some position, out-of-range ids, unknown members): -32602. */
  private invalidParams(withId: boolean): Element {
    const id = withId ? this.id() : undefined;
    const expect: Expect | null = id === undefined ? null : { id, want: { kind: 'error', code: -32602 } };
    const notInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
    let guard = false;
    let method: string;
    let params: unknown;
    switch (this.int(4)) {
      case 0:
        method = 'initialize';
        params = this.pick<() => unknown>([
          () => undefined,
          () => ({}),
          () => ({ ProtocolVersion: this.wrong(notInt) }),
          () => ({ ProtocolVersion: PROTOCOL_VERSION, [this.pick(['extra', 'protocolVersion', '__proto__'])]: this.value() }),
          () => [1],
        ])();
        break;
      case 1: {
        method = 'sessions.list';
        const field = this.pick(['UserName', 'Id', 'State', 'unknown', 'array', 'more'] as const);
        if (field === 'array') params = Array.from({ length: this.int(3) }, () => this.value());
        else if (field === 'unknown') params = { [this.pick(['Name', 'id', 'userName', 'computerName', 'x'])]: this.value() };
        else if (field === 'more') {
          params = this.pick<() => unknown>([
            () => ({ IncludeSystem: this.wrong((v) => v === null || typeof v === 'boolean') }),
            () => ({ [this.pick(['ThrottleLimit', 'TimeoutSec'])]: this.pick([0, -1, 1.5, 5000, '3', true, [1], 1e300]) }),
            // A name no computer can have is that name's error in a result (rpc.test.ts); only one over 1024 characters is invalid params.
            () => ({ ComputerName: ['h'.repeat(1025 + this.int(3)), 'localhost'] }),
            () => ({ ComputerName: this.wrong((v) => v === null || Array.isArray(v)) }),
          ])();
        }
        else {
          const ok = { UserName: (v: unknown) => typeof v === 'string', Id: (v: unknown) => notInt(v) && (v as number) >= 0 && (v as number) <= INT32_MAX, State: (v: unknown) => (SESSION_STATES as readonly unknown[]).includes(v) }[field];
          params = this.chance(0.3)
            ? { [field]: this.wrong((v) => v === null || Array.isArray(v)) }
            : { [field]: [...Array.from({ length: this.int(2) }, () => this.value()).filter(ok), field === 'Id' ? this.badSessionId() : this.wrong(ok)] };
        }
        break;
      }
      default: {
        method = this.pick(['sessions.logoff', 'sessions.disconnect']);
        // Guards' ids, made invalid by exactly one defect the validator must catch.
        const targets: unknown[] = Array.from({ length: 1 + this.int(3) }, () => this.target(this.chance(0.7) ? this.guardId() : this.freeSessionId()));
        const p: Record<string, unknown> = { Targets: targets, Wait: this.chance(0.7) };
        const defect = this.int(9);
        // defineProperty: an own member even for "__proto__" (plain assignment would set the prototype).
        if (defect === 0) Object.defineProperty(p, this.pick(['Force', 'wait', 'targets', 'ComputerName', '__proto__']), { value: this.value(), enumerable: true });
        else if (defect === 1) (targets[this.int(targets.length)] as Record<string, unknown>)[this.pick(['Force', 'sessionId', 'Id', 'x'])] = this.value();
        else if (defect === 2) targets.splice(this.int(targets.length + 1), 0, { SessionId: this.badSessionId() });
        else if (defect === 3) {
          (targets[this.int(targets.length)] as Record<string, unknown>).ComputerName = this.chance(0.5)
            ? this.wrong((v) => v === null || typeof v === 'string')
            : this.pick(['', 'a b', '\\\\server', 'x/y', 'héllo', 'a'.repeat(256), '\t']);
        }
        else if (defect === 4) p.Wait = this.wrong((v) => typeof v === 'boolean');
        else if (defect === 5) p.Targets = this.chance(0.5) ? targets[0] : this.wrong((v) => v === undefined || Array.isArray(v));
        else if (defect === 6) delete p.Targets;
        else if (defect === 7) targets.splice(this.int(targets.length + 1), 0, this.wrong((v) => typeof v === 'object' && v !== null && !Array.isArray(v)));
        else { params = [targets, true]; }
        if (defect !== 8) params = p;
        guard = true;
        break;
      }
    }
    return { text: this.request(method, params, id), expect, guard };
  }

  /** An invalid Request object: -32600, with the id when it is a usable one, else null. */
  private invalidEnvelope(): Element {
    const hasId = this.chance(0.8);
    const id = hasId ? this.id() : undefined;
    // A guard logoff as the inner call: the envelope must stop it.
    const guardCall = this.chance(0.5);
    const method = guardCall ? this.pick(['sessions.logoff', 'sessions.disconnect']) : this.pick(['initialize', 'sessions.list']);
    const params = guardCall ? { Targets: [{ SessionId: this.guardId() }], Wait: true } : method === 'initialize' ? { ProtocolVersion: PROTOCOL_VERSION } : {};
    const r: Record<string, unknown> = { jsonrpc: '2.0', method, params };
    if (id !== undefined) r.id = id;
    let echo: Id | null = id ?? null;
    switch (this.int(7)) {
      case 0: if (this.chance(0.3)) delete r.jsonrpc; else r.jsonrpc = this.wrong((v) => v === '2.0'); break;
      case 1: r.method = this.wrong((v) => typeof v === 'string'); break;
      case 2: r.params = this.pick([null, true, false, 0, 12, -1.5, '', 'params', this.str(5)]); break;
      case 3: r.result = this.value(); break;
      case 4: r.error = this.value(); break;
      case 5: if (this.chance(0.5)) delete r.method; else r.method = null; break;
      default:
        r.id = this.pick<() => unknown>([() => ({ id: this.int(9) }), () => [id ?? 1], () => true, () => false])();
        echo = null;
    }
    return { text: JSON.stringify(r), expect: { id: echo, want: { kind: 'error', code: -32600 } }, guard: guardCall };
  }

  private unknownMethod(withId: boolean): Element {
    const id = withId ? this.id() : undefined;
    const method = this.pick<() => string>([
      () => this.str(10),
      () => this.pick(['Initialize', 'sessions.List', 'sessions.Logoff', 'sessions', 'rpc.discover', '__proto__', 'constructor', 'toString', 'sessions.logoff ', ' initialize']),
    ])();
    if (['initialize', 'sessions.list', 'sessions.logoff', 'sessions.disconnect'].includes(method)) return this.unknownMethod(withId);
    const params = this.chance(0.5) ? { Targets: [{ SessionId: this.guardId() }], Wait: true } : undefined;
    return { text: this.request(method, params, id), expect: id === undefined ? null : { id, want: { kind: 'error', code: -32601 } }, guard: params !== undefined };
  }

  private nonObject(): Element {
    const text = JSON.stringify(this.pick<() => unknown>([() => null, () => this.int(100), () => this.str(6), () => true, () => []])());
    return { text, expect: { id: null, want: { kind: 'error', code: -32600 } }, guard: false };
  }

  /** One element of a single frame or a batch. */
  element(): Element {
    const roll = this.r();
    if (roll < 0.3) return this.validCall(true);
    if (roll < 0.36) return this.validCall(false);
    if (roll < 0.56) return this.invalidParams(true);
    if (roll < 0.62) return this.invalidParams(false);
    if (roll < 0.8) return this.invalidEnvelope();
    if (roll < 0.9) return this.unknownMethod(this.chance(0.8));
    return this.nonObject();
  }

  private batch(): Element[] {
    return Array.from({ length: 1 + this.int(12) }, () => this.element());
  }

  // ---- frames ----
  private fromElements(els: Element[], asBatch: boolean): { text: string; answers: Answers; guard: boolean } {
    const guard = els.some((e) => e.guard);
    if (!asBatch) {
      const e = els[0] as Element;
      return { text: e.text, answers: e.expect === null ? { kind: 'none' } : { kind: 'single', expect: e.expect }, guard };
    }
    const expects = els.flatMap((e) => (e.expect === null ? [] : [e.expect]));
    return { text: `[${els.map((e) => e.text).join(this.pick([',', ', ', ' ,\t']))}]`, answers: expects.length === 0 ? { kind: 'none' } : { kind: 'batch', expects }, guard };
  }

  private parseError(): Answers {
    return { kind: 'single', expect: { id: null, want: { kind: 'error', code: -32700 } } };
  }

  private static readonly BAD_UTF8: readonly number[][] = [
    [0xff], [0xfe], [0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3],
  ];

  frame(index: number): Frame {
    const crlf = this.chance(0.1);
    const done = (body: Buffer, answers: Answers, what: string, guard = false): Frame => {
      if (guard) this.guardFrames++;
      return { bytes: Buffer.concat([body, Buffer.from(crlf ? '\r\n' : '\n')]), answers, what, guard };
    };
    // A few big frames at fixed places.
    if (index === 1_000 || index === 6_000) {
      const id = this.id();
      const pad = ' '.repeat(1024 * 1024);
      const text = `{"jsonrpc":"2.0",${pad}"method":"initialize","params":{"ProtocolVersion":${PROTOCOL_VERSION}},"id":${JSON.stringify(id)}}`;
      return this.bigResult(text, id, crlf);
    }
    if (index === 3_000) {
      const id = `${'i'.repeat(1024 * 1024)}-${this.id()}`;
      return this.bigResult(this.request('initialize', { ProtocolVersion: PROTOCOL_VERSION }, id), id, crlf);
    }
    if (index === 4_000) {
      const id = this.id();
      const text = this.request('sessions.logoff', { Targets: [{ SessionId: this.guardId(), Pad: 'p'.repeat(1024 * 1024) }], Wait: true }, id);
      return done(Buffer.from(text), { kind: 'single', expect: { id, want: { kind: 'error', code: -32602 } } }, '1 MB guard logoff with an unknown member', true);
    }
    if (index === 8_000) {
      const text = `{"jsonrpc":"2.0","method":"sessions.logoff","params":{"Targets":[{"SessionId":${this.guardId()}}],"Wait":true},"id":"oversize","pad":"${'o'.repeat(9 * 1024 * 1024)}"}`;
      return done(Buffer.from(text), { kind: 'single', expect: { id: null, want: { kind: 'error', code: -32600 } } }, 'a 9 MB guard logoff (oversize)', true);
    }

    const roll = this.r();
    if (roll < 0.58) {
      const f = this.fromElements([this.element()], false);
      return done(Buffer.from(f.text), f.answers, 'single', f.guard);
    }
    if (roll < 0.72) {
      const f = this.fromElements(this.batch(), true);
      return done(Buffer.from(f.text), f.answers, 'batch', f.guard);
    }
    if (roll < 0.83) {
      // A strict, non-empty prefix of a JSON object or array text is never valid JSON.
      let f = this.fromElements(this.chance(0.7) ? [this.element()] : this.batch(), this.chance(0.3));
      // Only object and array texts: a prefix of a number ("12" -> "1") can be valid JSON.
      while (!/^[[{]/.test(f.text)) f = this.fromElements([this.element()], false);
      const cut = 1 + this.int(f.text.length - 1);
      return done(Buffer.from(f.text.slice(0, cut)), this.parseError(), 'truncated', f.guard);
    }
    if (roll < 0.88) {
      const f = this.fromElements(this.chance(0.8) ? [this.element()] : this.batch(), this.chance(0.2));
      const body = Buffer.from(f.text);
      const at = this.int(body.length + 1);
      const bad = Buffer.from(this.pick(Generator.BAD_UTF8));
      return done(Buffer.concat([body.subarray(0, at), bad, body.subarray(at)]), this.parseError(), 'invalid UTF-8', f.guard);
    }
    if (roll < 0.92) return done(this.randomBytes(), this.parseError(), 'random bytes');
    if (roll < 0.93) return done(Buffer.from(this.pick(['', ' ', '\t', '  \t ', '\r'])), { kind: 'none' }, 'blank line');
    if (roll < 0.935) return this.deep(done);
    // Wrong types in the frame itself: broken JSON-looking scalars and odd tokens.
    const text = this.pick(['{', '}', '[', ']', '{]', '[}', '{"jsonrpc"', '"unterminated', 'tru', 'nul', '01', '1.', '-', '+1', '.5', '1e', 'undefined', 'NaN', 'Infinity', '{"a":1,}', '[1,]', "{'a':1}", '{"a" 1}']);
    return done(Buffer.from(text), this.parseError(), 'broken JSON');
  }

  private bigResult(text: string, id: Id, crlf: boolean): Frame {
    const pid = this.helperPid();
    return {
      bytes: Buffer.from(`${text}${crlf ? '\r\n' : '\n'}`),
      answers: { kind: 'single', expect: { id, want: { kind: 'result', method: 'initialize', check: (r) => ((r as { Pid?: unknown }).Pid === pid ? null : 'not this helper\'s handshake') } } },
      what: '1 MB line',
      guard: false,
    };
  }

  /** Random bytes (no LF/CR) that are not valid UTF-8 JSON and not blank: a parse error. */
  private randomBytes(): Buffer {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    for (;;) {
      const b = Buffer.alloc(1 + this.int(200));
      for (let i = 0; i < b.length; i++) {
        let v = this.int(256);
        while (v === 0x0a || v === 0x0d) v = this.int(256);
        b[i] = v;
      }
      let text: string;
      try {
        text = decoder.decode(b);
      } catch {
        return b;
      }
      if (text.trim() === '') continue;
      try {
        JSON.parse(text);
      } catch {
        return b;
      }
    }
  }

  private deep(done: (body: Buffer, answers: Answers, what: string, guard?: boolean) => Frame): Frame {
    const n = 100_000;
    const id = this.id();
    const nested = `${'['.repeat(n)}${']'.repeat(n)}`;
    switch (this.int(7)) {
      case 0: return done(Buffer.from('['.repeat(n)), this.parseError(), '100,000 unclosed [');
      case 1: return done(Buffer.from('{"a":'.repeat(n)), this.parseError(), '100,000 unclosed {');
      case 2: return done(Buffer.from(nested), { kind: 'batch', expects: [{ id: null, want: { kind: 'error', code: -32600 } }] }, '100,000 nested [ ]');
      case 3: return done(Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`), { kind: 'single', expect: { id: null, want: { kind: 'error', code: -32600 } } }, '100,000 nested { }');
      case 4: return done(Buffer.from(`{"jsonrpc":"2.0","method":"sessions.list","params":{"UserName":${nested}},"id":${JSON.stringify(id)}}`), { kind: 'single', expect: { id, want: { kind: 'error', code: -32602 } } }, 'deep params');
      case 5: return done(Buffer.from(`{"jsonrpc":"2.0","method":"initialize","params":{"ProtocolVersion":${PROTOCOL_VERSION}},"id":${nested}}`), { kind: 'single', expect: { id: null, want: { kind: 'error', code: -32600 } } }, 'deep id');
      default:
        return done(
          Buffer.from(`{"jsonrpc":"2.0","method":"sessions.logoff","params":{"Targets":[{"SessionId":${this.guardId()}},${nested}],"Wait":true},"id":${JSON.stringify(id)}}`),
          { kind: 'single', expect: { id, want: { kind: 'error', code: -32602 } } },
          'deep guard logoff',
          true,
        );
    }
  }
}

/** Pairs the answers of one group of frames with their expectations; returns the problems. */
class Matcher {
  problems: string[] = [];
  /** Valid calls answered with an error instead of a result (reported by the second test). */
  validCallFailures: string[] = [];
  answersSeen = 0;

  check(frames: readonly Frame[], firstIndex: number, lines: readonly string[]): void {
    const problem = (s: string) => {
      if (this.problems.length < 50) this.problems.push(s);
    };
    const short = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
    const singles = new Map<string, { frame: number; expect: Expect; seen: boolean }>();
    const batchOf = new Map<string, number>();
    const batches = new Map<number, { expects: Expect[]; seen: boolean }>();
    const nullSingles = new Map<number, number>();
    const nullBatches = new Map<string, number>();
    const bump = <K>(m: Map<K, number>, k: K, by: number) => m.set(k, (m.get(k) ?? 0) + by);
    const codeOf = (e: Expect) => (e.want.kind === 'error' ? e.want.code : 1);
    const batchKey = (codes: number[]) => codes.sort((a, b) => a - b).join(',');

    frames.forEach((f, i) => {
      const at = firstIndex + i;
      if (f.answers.kind === 'single') {
        const e = f.answers.expect;
        if (e.id === null) bump(nullSingles, codeOf(e), 1);
        else singles.set(idKey(e.id), { frame: at, expect: e, seen: false });
      } else if (f.answers.kind === 'batch') {
        const withIds = f.answers.expects.filter((e) => e.id !== null);
        if (withIds.length === 0) bump(nullBatches, batchKey(f.answers.expects.map(codeOf)), 1);
        else {
          batches.set(at, { expects: f.answers.expects, seen: false });
          for (const e of withIds) batchOf.set(idKey(e.id as Id), at);
        }
      }
    });

    const frameText = (at: number) => short(frames[at - firstIndex]?.bytes.toString('utf8').trimEnd() ?? '?');
    const judge = (a: RpcAnswer, e: Expect, where: string, at: number): void => {
      const shape = responseShapeProblem(a);
      if (shape !== null) return problem(`${where}: ${shape}: ${short(JSON.stringify(a))}`);
      if (e.want.kind === 'error') {
        if (a.error?.code !== e.want.code) problem(`${where}: expected error ${e.want.code}, got ${short(JSON.stringify(a))} for the frame ${frameText(at)}`);
        return;
      }
      if (a.error !== undefined) {
        if ([-32700, -32600, -32601].includes(a.error.code)) problem(`${where}: a valid ${e.want.method} call answered ${short(JSON.stringify(a))}`);
        else this.validCallFailures.push(`${where}: ${short(JSON.stringify(a))}`);
        return;
      }
      const why = e.want.check(a.result);
      if (why !== null) problem(`${where}: ${why}: ${short(JSON.stringify(a))} for the frame ${frameText(at)}`);
    };

    for (const line of lines) {
      this.answersSeen++;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        problem(`a line that is not JSON: ${short(line)}`);
        continue;
      }
      if (Array.isArray(v)) {
        if (v.length === 0) { problem('an empty array answer'); continue; }
        const answers = v as RpcAnswer[];
        const bad = answers.map(responseShapeProblem).find((p) => p !== null);
        if (bad) { problem(`a batch answer element: ${bad}: ${short(line)}`); continue; }
        const firstId = answers.find((a) => a.id !== null)?.id;
        if (firstId === undefined || firstId === null) {
          const key = batchKey(answers.map((a) => (a.error ? a.error.code : 1)));
          if ((nullBatches.get(key) ?? 0) <= 0) problem(`an unexpected id-less batch answer: ${short(line)}`);
          bump(nullBatches, key, -1);
          continue;
        }
        const at = batchOf.get(idKey(firstId));
        const b = at === undefined ? undefined : batches.get(at);
        if (at === undefined || b === undefined) { problem(`a batch answer with an id no batch sent: ${short(line)}`); continue; }
        if (b.seen) { problem(`batch frame ${at} answered twice`); continue; }
        b.seen = true;
        const byId = new Map(b.expects.filter((e) => e.id !== null).map((e) => [idKey(e.id as Id), e]));
        const wantNull = batchKey(b.expects.filter((e) => e.id === null).map(codeOf));
        const gotNull = batchKey(answers.filter((a) => a.id === null).map((a) => (a.error ? a.error.code : 1)));
        if (wantNull !== gotNull) problem(`batch frame ${at}: id-less answers ${gotNull}, expected ${wantNull}: ${short(line)}`);
        const seen = new Set<string>();
        for (const a of answers) {
          if (a.id === null) continue;
          const k = idKey(a.id);
          const e = byId.get(k);
          if (e === undefined || seen.has(k)) { problem(`batch frame ${at}: unexpected or repeated id ${String(a.id)}`); continue; }
          seen.add(k);
          judge(a, e, `batch frame ${at}, id ${short(String(a.id))}`, at);
        }
        if (seen.size !== byId.size) problem(`batch frame ${at}: ${byId.size - seen.size} answers missing: ${short(line)}`);
        continue;
      }
      const a = v as RpcAnswer;
      const shape = responseShapeProblem(a);
      if (shape !== null) { problem(`${shape}: ${short(line)}`); continue; }
      if (a.id === null) {
        const code = a.error ? a.error.code : 1;
        if ((nullSingles.get(code) ?? 0) <= 0) problem(`an unexpected id-less answer: ${short(line)}`);
        bump(nullSingles, code, -1);
        continue;
      }
      const s = singles.get(idKey(a.id));
      if (s === undefined) { problem(`an answer with an id no single frame sent: ${short(line)}`); continue; }
      if (s.seen) { problem(`frame ${s.frame} answered twice`); continue; }
      s.seen = true;
      judge(a, s.expect, `frame ${s.frame}`, s.frame);
    }

    for (const [, s] of singles) if (!s.seen) problem(`frame ${s.frame} (${frames[s.frame - firstIndex]?.what}) got no answer`);
    for (const [at, b] of batches) if (!b.seen) problem(`batch frame ${at} got no answer`);
    for (const [code, n] of nullSingles) if (n !== 0) problem(`id-less answers with code ${code}: ${n > 0 ? `${n} missing` : `${-n} too many`}`);
    for (const [key, n] of nullBatches) if (n !== 0) problem(`id-less batch answers [${key}]: ${n > 0 ? `${n} missing` : `${-n} too many`}`);
  }
}

describe(`the helper under 10,000 generated frames (seed ${seed}; replay with SESSIONTOOLS_FUZZ_SEED=${seed})`, () => {
  let dir: string;
  let guards: number[];
  let h: HelperProcess;
  const matcher = new Matcher();
  let generated: Generator;
  let ran = false;

  beforeAll(async () => {
    requireHelperBundle();
    console.log(`fuzz seed: ${seed} (replay: SESSIONTOOLS_FUZZ_SEED=${seed} npx vitest run tests/helper/fuzz.test.ts)`);
    dir = makeTempDir('st-helper-fuzz-');
    const writer = buildUtmpWriter(dir);
    const utmp = join(dir, 'utmp');
    guards = [await startLeader(), await startLeader(), await startLeader()];
    const login = Date.now() + 200;
    writeUtmp(writer, utmp, guards.map((pid, i) => ({ pid, line: `pts/${9950 + i}`, user: `guard${i}`, loginMs: login })));
    h = HelperProcess.start({ env: { SESSIONTOOLS_UTMP_PATH: utmp, SESSIONTOOLS_HELPER_IDLE_SECONDS: '600' } });
  });

  afterAll(async () => {
    await stopAllHelpers();
    stopAll();
    removeDir(dir);
  });

  it('answers every frame once, in the right shape, never stalls, and logs nobody off', async () => {
    // The guards are real sessions of the helper: a valid logoff naming them would end them.
    const before = (await h.call('sessions.list', {}, 'guards-before')) as RpcAnswer;
    expect((before.result as { Items: { SessionId: number }[] }).Items.map((s) => s.SessionId)).toEqual(guards);

    generated = new Generator(seed, guards, () => h.pid);
    const r = mulberry32(seed ^ 0x9e3779b9);
    const started = Date.now();
    let maxGroupMs = 0;
    let expectedLines = 0;
    for (let first = 0; first < FRAMES; first += GROUP) {
      const frames = Array.from({ length: Math.min(GROUP, FRAMES - first) }, (_, i) => generated.frame(first + i));
      const needs = frames.filter((f) => f.answers.kind !== 'none').length;
      expectedLines += needs;
      const groupStart = Date.now();
      const linesBefore = h.lines.length;
      // Written in a few pieces cut at random bytes, so frames also straddle writes.
      const all = Buffer.concat(frames.map((f) => f.bytes));
      const cuts = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * all.length)).sort((a, b) => a - b);
      let from = 0;
      for (const cut of [...cuts, all.length]) {
        if (cut > from) await h.write(all.subarray(from, cut));
        from = Math.max(from, cut);
      }
      let got: string[];
      try {
        got = await h.nextLines(needs, GROUP_TIMEOUT_MS);
      } catch (e) {
        throw new Error(`frames ${first}..${first + frames.length - 1}: ${(e as Error).message}; ${h.lines.length - linesBefore} of ${needs} answers arrived; exit ${JSON.stringify(h.exit)}`);
      }
      maxGroupMs = Math.max(maxGroupMs, Date.now() - groupStart);
      matcher.check(frames, first, got);
      expect(h.exit, `the helper exited after frame ${first + frames.length - 1}`).toBeNull();
      expect(matcher.problems, `problems after frames ${first}..${first + frames.length - 1} (seed ${seed})`).toEqual([]);
      expect(Date.now() - started, 'run budget').toBeLessThan(RUN_BUDGET_MS);
    }
    // Nothing more comes: no frame was answered twice, no notification answered late.
    expect(await h.linesWithin(500), 'answers beyond the expected ones').toEqual([]);
    expect(h.partialStdout.length).toBe(0);
    const elapsed = Date.now() - started;
    console.log(
      `fuzz: ${FRAMES} frames, ${expectedLines} answers, ${generated.guardFrames} frames naming a guard, ` +
        `${matcher.validCallFailures.length} valid calls failed, ${elapsed} ms (slowest group of ${GROUP}: ${maxGroupMs} ms), seed ${seed}`,
    );
    expect(matcher.answersSeen).toBe(expectedLines);
    expect(generated.guardFrames).toBeGreaterThan(FRAMES / 20);

    // Still serving, still in sync.
    expect(await h.call('initialize', { ProtocolVersion: PROTOCOL_VERSION }, 'final')).toMatchObject({ jsonrpc: '2.0', id: 'final', result: { ProtocolVersion: PROTOCOL_VERSION, Pid: h.pid } });
    // Nobody was logged off: the guards live, and are still the helper's sessions.
    for (const pid of guards) expect(isGone(pid), `guard ${pid}`).toBe(false);
    const after = (await h.call('sessions.list', {}, 'guards-after')) as RpcAnswer;
    expect((after.result as { Items: { SessionId: number }[] }).Items.map((s) => s.SessionId)).toEqual(guards);
    expect(await h.roundTrip(initializeFrame('really-final'))).toMatchObject({ id: 'really-final', result: { Pid: h.pid } });
    ran = true;
  }, 180_000);

  it('answers every valid call in the fuzz with a result', () => {
    expect(ran, 'the fuzz run did not complete').toBe(true);
    expect(matcher.validCallFailures.slice(0, 20), `valid calls that failed (seed ${seed})`).toEqual([]);
  });
});
