/**
 * The helper's methods, one per entry of `Methods` in src/protocol/rpc.ts, registered on a
 * json-rpc-2.0 server. Every method validates its params first (validate.ts).
 */
import { hostname } from 'node:os';
import { JSONRPCErrorCode, JSONRPCErrorException, JSONRPCServer, createJSONRPCErrorResponse } from 'json-rpc-2.0';
import type { Backend } from '../backend/backend.ts';
import { PROTOCOL_VERSION, type MethodName, type Methods } from '../protocol/rpc.ts';
import { listComputers } from './fanout.ts';
import { checkAction, checkInitialize, checkList } from './validate.ts';

declare const __HELPER_VERSION__: string | undefined;
export const HELPER_VERSION = typeof __HELPER_VERSION__ === 'string' ? __HELPER_VERSION__ : '0.0.0-dev';

/** JSON-RPC server error code (implementation-defined range) for a protocol version mismatch. */
export const PROTOCOL_MISMATCH = -32000;

type Handlers = { [M in MethodName]: (params: unknown) => Promise<Methods[M][1]> };

export function createServer(backend: Backend): JSONRPCServer {
  const handlers: Handlers = {
    async initialize(params) {
      const p = checkInitialize(params);
      if (p.protocolVersion !== PROTOCOL_VERSION) {
        throw new JSONRPCErrorException(
          `The module speaks protocol ${p.protocolVersion}; this helper speaks ${PROTOCOL_VERSION}. Reinstall the module so both come from one build.`,
          PROTOCOL_MISMATCH,
          { helperProtocolVersion: PROTOCOL_VERSION },
        );
      }
      return { protocolVersion: PROTOCOL_VERSION, helperVersion: HELPER_VERSION, platform: process.platform, backend: backend.name, pid: process.pid };
    },
    async 'sessions.list'(params) {
      return listComputers(backend, checkList(params), hostname());
    },
    async 'sessions.logoff'(params) {
      const p = checkAction(params);
      return { outcomes: await backend.logoff(p.targets, p.wait) };
    },
    async 'sessions.disconnect'(params) {
      const p = checkAction(params);
      return { outcomes: await backend.disconnect(p.targets, p.wait) };
    },
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
  for (const [name, handler] of Object.entries(handlers)) server.addMethod(name, handler);
  return server;
}
