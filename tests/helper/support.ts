/**
 * Test client for the real helper process (module/bin/node module/bin/helper.mjs, absolute paths,
 * as the module starts it): sends raw frames, reads answer lines with bounded waits, collects
 * stderr, and stops every process it started by pid (SIGTERM, then SIGKILL).
 */
import { LineCollector } from '../support/line-collector.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const HELPER_NODE = join(ROOT, 'module', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
export const HELPER_SCRIPT = join(ROOT, 'module', 'bin', 'helper.mjs');

/** The protocol version the tests speak (src/protocol/methods.ts). */
import { PROTOCOL_VERSION } from '../../src/protocol/methods.ts';
export { PROTOCOL_VERSION };

/** Fails early, with the command to run, when the helper bundle has not been built. */
export function requireHelperBundle(): void {
  for (const file of [HELPER_NODE, HELPER_SCRIPT]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: build the helper first with \`npx tsx build.ts helper\``);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Environment overrides on top of this process's environment; undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** Node's arguments instead of the bundled helper (e.g. the helper from source), and where it runs. */
  from?: { args: string[]; cwd: string };
  /**
   * false: the helper starts without a handshake (it refuses every method until an initialize
   * succeeds). Default: start() sends a valid initialize (id HANDSHAKE_ID) and its answer is kept
   * out of the lines, so that a test talks to a helper ready for its methods, as the module's is.
   */
  initialize?: boolean;
  /**
   * A command that starts the helper as its child (its arguments are followed by the helper's
   * node and script), e.g. a process in a session of its own; the HelperProcess is then that
   * command's process, and the helper its child.
   */
  wrapper?: string[];
}

/** The id of the initialize that start() sends, whose answer no test reads. */
export const HANDSHAKE_ID = 'support-handshake';

/** Every helper started and not yet stopped. */
const running = new Set<HelperProcess>();

export class HelperProcess {
  readonly pid: number;
  /** Stdout, as lines (without the answer to start()'s own initialize). */
  private readonly out = new LineCollector((line) => this.keepLine(line));
  /** start() sent an initialize whose answer has not been seen yet. */
  private handshakePending = false;
  /** Every complete stdout line received so far (without its line ending), in order. */
  get lines(): string[] {
    return this.out.lines;
  }
  /** Index in `lines` of the next line nextLine() returns. */
  private cursor = 0;
  private stderrChunks: Buffer[] = [];
  private exitInfo: Exit | null = null;
  readonly exited: Promise<Exit>;

  private constructor(private readonly child: ChildProcess) {
    if (child.pid === undefined) throw new Error('the helper did not start');
    this.pid = child.pid;
    this.exited = new Promise<Exit>((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolveExit(this.exitInfo);
        running.delete(this);
        this.out.wake();
      });
    });
    child.stdout!.on('data', (chunk: Buffer) => this.out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.stderrChunks.push(chunk));
    // Writing to a helper that has exited must not crash the test runner (EPIPE).
    child.stdin!.on('error', () => {});
  }

  /** Drops the one answer to start()'s initialize (when it succeeded). */
  private keepLine(line: string): boolean {
    if (!this.handshakePending || !line.includes(HANDSHAKE_ID)) return true;
    const answer = JSON.parse(line) as RpcAnswer;
    if (answer.id !== HANDSHAKE_ID) return true;
    this.handshakePending = false;
    return answer.error !== undefined; // a refused handshake stays in the lines, for the test to see
  }

  static start(opts: StartOptions = {}): HelperProcess {
    requireHelperBundle();
    const env: Record<string, string | undefined> = { ...process.env };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const child = opts.from
      ? spawn(process.execPath, opts.from.args, { cwd: opts.from.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
      : opts.wrapper
        ? spawn(opts.wrapper[0]!, [...opts.wrapper.slice(1), HELPER_NODE, HELPER_SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn(HELPER_NODE, [HELPER_SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const helper = new HelperProcess(child);
    running.add(helper);
    if (opts.initialize !== false) {
      helper.handshakePending = true;
      void helper.send(initializeFrame(HANDSHAKE_ID)).catch(() => {}); // a helper that exits at once: its tests see the exit
    }
    return helper;
  }

  get stderr(): string {
    return Buffer.concat(this.stderrChunks).toString('utf8');
  }

  /** The exit, once it has happened. */
  get exit(): Exit | null {
    return this.exitInfo;
  }

  /** Bytes of stdout after the last LF (a partial line; should stay empty between answers). */
  get partialStdout(): Buffer {
    return this.out.partial;
  }




  /** Writes bytes exactly as given (no newline added). Resolves once they are handed to the pipe. */
  write(data: Buffer | string): Promise<void> {
    return new Promise((resolveWrite, reject) => {
      this.child.stdin!.write(data, (err) => (err ? reject(err) : resolveWrite()));
    });
  }

  /** Writes one frame followed by LF. */
  send(frame: Buffer | string): Promise<void> {
    const bytes = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
    return this.write(Buffer.concat([bytes, Buffer.from('\n')]));
  }

  /** Writes one JSON value as a frame. */
  sendJson(value: unknown): Promise<void> {
    return this.send(JSON.stringify(value));
  }

  /** Closes the helper's stdin (EOF). */
  closeStdin(): void {
    this.child.stdin!.end();
  }

  /** Closes the reading end of the helper's stdout: its next write fails with EPIPE. */
  closeStdout(): void {
    this.child.stdout!.destroy();
  }

  /** The next answer line not yet returned; throws after `timeoutMs` or when the helper exits first. */
  async nextLine(timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.out.lines.length) {
      if (this.exitInfo !== null) {
        throw new Error(`the helper exited (${JSON.stringify(this.exitInfo)}) before answering; stderr: ${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer line within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await this.out.changed(left);
    }
    return this.out.lines[this.cursor++] as string;
  }

  /** The next answer line, parsed as JSON (throws with the line when it is not JSON). */
  async next(timeoutMs = 5_000): Promise<unknown> {
    const line = await this.nextLine(timeoutMs);
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new Error(`the helper wrote a line that is not JSON: ${JSON.stringify(line.slice(0, 500))}`);
    }
  }

  /** The next `n` lines. */
  async nextLines(n: number, timeoutMs = 5_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.nextLine(Math.max(1, deadline - Date.now())));
    return out;
  }

  /** Waits `ms` and returns the lines that arrived meanwhile (and were not yet returned). */
  async linesWithin(ms: number): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && this.exitInfo === null) await this.out.changed(deadline - Date.now());
    const out = this.out.lines.slice(this.cursor);
    this.cursor = this.out.lines.length;
    return out;
  }

  /** Sends one frame and returns the next answer, parsed. For one-at-a-time conversations. */
  async roundTrip(frame: Buffer | string, timeoutMs = 5_000): Promise<unknown> {
    await this.send(frame);
    return this.next(timeoutMs);
  }

  /** Sends a request and returns its answer. */
  async call(method: string, params: unknown, id: string | number = 1, timeoutMs = 5_000): Promise<RpcAnswer> {
    const req: Record<string, unknown> = { jsonrpc: '2.0', method, id };
    if (params !== undefined) req.params = params;
    return (await this.roundTrip(JSON.stringify(req), timeoutMs)) as RpcAnswer;
  }

  /**
   * Sends a request and returns the answer that carries its id, wherever it is among the answer
   * lines: for requests in flight at the same time, which the helper may answer in any order.
   * (It does not move the cursor of nextLine().)
   */
  async request(method: string, params: unknown, id: string, timeoutMs = 5_000): Promise<RpcAnswer> {
    const req: Record<string, unknown> = { jsonrpc: '2.0', method, id };
    if (params !== undefined) req.params = params;
    await this.send(JSON.stringify(req));
    return this.answer(id, timeoutMs);
  }

  /** The answer that carries `id` (string ids only), among the lines so far or the next ones. */
  async answer(id: string, timeoutMs = 5_000): Promise<RpcAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.out.lines.length; seen++) {
        const line = this.out.lines[seen] as string;
        if (line.includes(JSON.stringify(id)) && (JSON.parse(line) as RpcAnswer).id === id) return JSON.parse(line) as RpcAnswer;
      }
      if (this.exitInfo !== null) throw new Error(`the helper exited (${JSON.stringify(this.exitInfo)}) before answering ${id}; stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer to ${id} within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await this.out.changed(left);
    }
  }

  /** Resolves with the exit, or null when the helper is still running after `ms`. */
  async exitWithin(ms: number): Promise<Exit | null> {
    if (this.exitInfo !== null) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the helper by pid (nothing when it has exited). */
  kill(sig: NodeJS.Signals): void {
    if (this.exitInfo === null) signal(this.pid, sig);
  }

  /**
   * Stops the helper by pid: EOF and SIGTERM, then SIGKILL when it has not exited within
   * `graceMs`. (EOF as well: a helper blocked in read(0) in libuv's thread pool cannot finish
   * process.exit() until that read returns; rpc.test.ts checks SIGTERM alone.)
   */
  async stop(graceMs = 2_000): Promise<Exit> {
    if (this.exitInfo !== null) return this.exitInfo;
    this.closeStdin();
    signal(this.pid, 'SIGTERM');
    const exit = await this.exitWithin(graceMs);
    if (exit !== null) return exit;
    signal(this.pid, 'SIGKILL');
    return this.exited;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Stops every helper still running but `keep` (for afterEach/afterAll). */
export async function stopAllHelpers(keep?: HelperProcess | null): Promise<void> {
  await Promise.all([...running].filter((h) => h !== keep).map((h) => h.stop()));
}

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcAnswer {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: RpcError;
}

/** The initialize request the module sends. */
export function initializeFrame(id: string | number = 'init'): string {
  return JSON.stringify({ jsonrpc: '2.0', method: 'initialize', params: { ProtocolVersion: PROTOCOL_VERSION }, id });
}

/**
 * Is `v` one JSON-RPC 2.0 response object (section 5): jsonrpc "2.0", an id (string, number or
 * null), and exactly one of result and error, error with an integer code and a string message?
 * Returns the reason it is not, or null when it is.
 */
export function responseShapeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const r = v as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!('id' in r)) return 'no id';
  if (!(r.id === null || typeof r.id === 'string' || typeof r.id === 'number')) return 'id is not a string, number or null';
  const hasResult = 'result' in r;
  const hasError = 'error' in r;
  if (hasResult === hasError) return 'not exactly one of result and error';
  for (const key of Object.keys(r)) if (!['jsonrpc', 'id', 'result', 'error'].includes(key)) return `extra member ${key}`;
  if (hasError) {
    const e = r.error;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'error is not an object';
    const eo = e as Record<string, unknown>;
    if (typeof eo.code !== 'number' || !Number.isInteger(eo.code)) return 'error.code is not an integer';
    if (typeof eo.message !== 'string') return 'error.message is not a string';
  }
  return null;
}
