/**
 * The SessionTools helper: JSON-RPC 2.0 over stdin/stdout, one message per line (UTF-8, LF).
 *
 * - stdout carries protocol only: console output is sent to stderr before anything else runs.
 * - It exits on stdin EOF (after answering what is in flight), after an idle period with no
 *   request (SESSIONTOOLS_HELPER_IDLE_SECONDS, default 900), on SIGTERM, and on SIGINT only when
 *   its stdin is a terminal (run by hand).
 * - stdin/stdout are process.stdin/process.stdout (non-blocking pipes). Under Wine, where those
 *   fail with EBADF on pipes, SESSIONTOOLS_HELPER_STDIO=fs switches to fs streams on descriptors 0
 *   and 1; not the default, because a blocking read of fd 0 in libuv's thread pool keeps
 *   process.exit() from returning until stdin closes.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { selectBackend } from '../backend/select.ts';
import { dispatchFrame, oversizeAnswer } from './dispatch.ts';
import { LineSplitter } from './lines.ts';
import { createServer } from './methods.ts';
import { ProgressChannel } from './progress.ts';

/** Frames longer than this are refused unread (Invalid Request) instead of buffered. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

function redirectConsoleToStderr(): void {
  const toStderr = (...args: unknown[]): void => {
    process.stderr.write(`${args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ')}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  console.error = toStderr;
}

function idleMs(): number {
  const seconds = Number(process.env.SESSIONTOOLS_HELPER_IDLE_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 15 * 60 * 1000;
}

async function main(): Promise<void> {
  redirectConsoleToStderr();
  const backend = selectBackend();
  const progress = new ProgressChannel((line) => send(line));
  const server = createServer(backend, progress);
  const fsStdio = process.env.SESSIONTOOLS_HELPER_STDIO === 'fs';
  const input: NodeJS.ReadableStream & { destroy(): void } = fsStdio ? createReadStream('', { fd: 0, autoClose: false }) : process.stdin;
  const output: NodeJS.WritableStream = fsStdio ? createWriteStream('', { fd: 1, autoClose: false }) : process.stdout;
  const splitter = new LineSplitter(MAX_FRAME_BYTES);
  const inFlight = new Set<Promise<void>>();
  let exiting = false;

  const exit = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    input.destroy();
    await Promise.allSettled([...inFlight]);
    await backend.close?.();
    // process.exit() waits for worker threads, and a worker inside a native call (a dead host's
    // RPC timeout) cannot be stopped: then the helper ends itself with a signal instead.
    const end = (): void => {
      if ((backend.stuckCalls?.() ?? 0) > 0) process.kill(process.pid, 'SIGKILL');
      process.exit(code);
    };
    output.end(end);
    setTimeout(end, 2000).unref();
  };

  const idleLimit = idleMs();
  let idleTimer = setTimeout(() => void exit(0), idleLimit);
  const touch = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (inFlight.size === 0) void exit(0);
      else touch();
    }, idleLimit);
  };

  const send = (text: string | null): void => {
    if (text !== null) output.write(`${text}\n`);
  };

  const handle = (event: ReturnType<LineSplitter['push']>[number]): void => {
    touch();
    const work =
      event.kind === 'oversize'
        ? Promise.resolve(send(oversizeAnswer(event.bytes, MAX_FRAME_BYTES)))
        : dispatchFrame(server, event.bytes, progress).then(send, (e: unknown) => {
            process.stderr.write(`internal error while answering a frame: ${String(e)}\n`);
          });
    const tracked = work.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  input.on('data', (chunk) => {
    for (const event of splitter.push(chunk as Buffer)) handle(event);
  });
  input.on('end', () => {
    for (const event of splitter.end()) handle(event);
    void exit(0);
  });
  input.on('error', (e) => {
    process.stderr.write(`stdin failed: ${e.message}\n`);
    void exit(1);
  });
  output.on('error', () => void exit(1)); // the reader is gone (EPIPE): nobody to answer
  process.on('SIGTERM', () => void exit(0));
  // Ctrl+C at a terminal reaches the whole foreground process group, the helper included, but it
  // is meant for PowerShell (stop the pipeline, keep the shell): the helper started by the module
  // (stdin a pipe) keeps running. Started by hand at a terminal, Ctrl+C ends it.
  process.on('SIGINT', () => {
    if (process.stdin.isTTY) void exit(0);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`SessionTools helper failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
