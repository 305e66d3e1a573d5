/**
 * The helper's methods: one registration per method of src/protocol/methods.ts on a json-rpc-2.0
 * server, each checking its params against the method's declaration first (validate.ts).
 * sessions.list is the fan-out over computers (fanout.ts); each action is the backend's handler of
 * that name (a log-off or disconnect one call per computer, each answered by the client's deadline:
 * action-deadline.ts).
 */
import { hostname } from 'node:os';
import { JSONRPCErrorCode, JSONRPCErrorException, JSONRPCServer, createJSONRPCErrorResponse } from 'json-rpc-2.0';
import type { Backend } from '../backend/backend.ts';
import type { ParamsOf, ResultOf } from '../protocol/method.ts';
import { DisconnectSessions, Initialize, ListSessions, ListSessionProcesses, LockSessions, LogoffSessions, SendMessage, METHODS, PROTOCOL_VERSION, type AnyMethod } from '../protocol/methods.ts';
import { actByDeadline } from './action-deadline.ts';
import { answerBy } from './answer-by.ts';
import { currentSessionTest, markListed, markOutcomes } from './current.ts';
import { listComputers } from './fanout.ts';
import { processesByDeadline } from './processes-deadline.ts';
import type { ProgressChannel } from './progress.ts';
import { traceRequest } from './trace.ts';
import { checkParams } from './validate.ts';

declare const __HELPER_VERSION__: string | undefined;
export const HELPER_VERSION = typeof __HELPER_VERSION__ === 'string' ? __HELPER_VERSION__ : '0.0.0-dev';

/** JSON-RPC server error code (implementation-defined range) for a protocol version mismatch. */
export const PROTOCOL_MISMATCH = -32000;

/**
 * JSON-RPC server error code for a method called before a successful `initialize` (the code LSP
 * gives the same case, ServerNotInitialized).
 */
export const NOT_INITIALIZED = -32002;

/** What serves each method, given its checked params. */
type Serve = { [M in AnyMethod as M['name']]: (params: ParamsOf<M>) => Promise<ResultOf<M>> };

export function createServer(backend: Backend, progress?: ProgressChannel): JSONRPCServer {
  // No method but initialize is served until an initialize has succeeded: a client that never
  // agreed on the protocol (or failed to) cannot list or log off. Once made, the handshake stands:
  // a later failed initialize is answered with its error and changes nothing.
  let initialized = false;
  const isCurrent = currentSessionTest(backend);
  const serve: Serve = {
    async [Initialize.name](p) {
      if (p.ProtocolVersion !== PROTOCOL_VERSION) {
        throw new JSONRPCErrorException(
          `The module speaks protocol ${p.ProtocolVersion}; this helper speaks ${PROTOCOL_VERSION}. Reinstall the module so both come from one build.`,
          PROTOCOL_MISMATCH,
          { HelperProtocolVersion: PROTOCOL_VERSION },
        );
      }
      initialized = true;
      progress?.enable(p.Progress);
      return { ProtocolVersion: PROTOCOL_VERSION, HelperVersion: HELPER_VERSION, Platform: process.platform, Backend: backend.name, Pid: process.pid };
    },
    [ListSessions.name]: async (p) => markListed(await listComputers(backend, p, hostname()), isCurrent, p.Current),
    [LogoffSessions.name]: async (p) =>
      markOutcomes(await actByDeadline((q) => backend.actions[LogoffSessions.name](q), p, answerBy(LogoffSessions.timeout, p), 'Logging off'), isCurrent),
    [DisconnectSessions.name]: async (p) =>
      markOutcomes(await actByDeadline((q) => backend.actions[DisconnectSessions.name](q), p, answerBy(DisconnectSessions.timeout, p), 'Disconnecting'), isCurrent),
    [SendMessage.name]: (p) => backend.actions[SendMessage.name](p),
    [LockSessions.name]: async (p) => markOutcomes(await backend.actions[LockSessions.name](p), isCurrent),
    [ListSessionProcesses.name]: (p) => processesByDeadline((q) => backend.processes(q), p, answerBy(ListSessionProcesses.timeout, p)),
  };
  // Errors a method throws on purpose (invalid params, version mismatch) are answers, not faults.
  const errorListener = (message: string, error: unknown): void => {
    if (!(error instanceof JSONRPCErrorException)) process.stderr.write(`${message} ${String(error)}\n`);
  };
  const server = new JSONRPCServer({ errorListener });
  // The library answers an unexpected exception with code 0, which JSON-RPC 2.0 does not define:
  // answer it as Internal error (-32603) instead, with the message.
  server.mapErrorToJSONRPCErrorResponse = (id, error: unknown) =>
    error instanceof JSONRPCErrorException
      ? createJSONRPCErrorResponse(id, error.code, error.message, error.data)
      : createJSONRPCErrorResponse(id, JSONRPCErrorCode.InternalError, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
  const trace = traceRequest(process.env.SESSIONTOOLS_HELPER_TRACE);
  for (const method of METHODS) {
    const handler = serve[method.name] as (params: unknown) => Promise<unknown>;
    server.addMethod(method.name, (params: unknown) => {
      trace?.(method.name, params);
      if (!initialized && method !== Initialize) {
        throw new JSONRPCErrorException(`${method.name} was called before a successful initialize; send initialize with ProtocolVersion ${PROTOCOL_VERSION} first.`, NOT_INITIALIZED);
      }
      return handler(checkParams(method, params));
    });
  }
  return server;
}
