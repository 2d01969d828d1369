import type { Interceptor, StreamResponse } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Principal } from "../domain/principal.js";
import { toConnectError } from "./error-mapping.js";
import { principalKey } from "./principal-context.js";

/**
 * Maps every error a handler raises, also mid-stream, through toConnectError.
 * Outermost, so errors of the interceptors inside it are mapped too.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const procedure = req.method.name;
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (error) {
      throw toConnectError(error, logger, procedure);
    }
    if (!res.stream) return res;
    const stream = res as StreamResponse;
    return {
      ...stream,
      message: (async function* () {
        try {
          yield* stream.message;
        } catch (error) {
          throw toConnectError(error, logger, procedure);
        }
      })(),
    };
  };
}

/**
 * Authenticates every call from its Authorization header, before the request is
 * validated, so unauthenticated callers learn nothing about the API. Services
 * named in `open` (health checks, reflection) take no credentials: probes and
 * tools such as grpcurl call them bare.
 */
export function authInterceptor(
  authenticate: (authorization: string | null) => Promise<Principal>,
  open: ReadonlySet<string> = new Set(),
): Interceptor {
  return (next) => async (req) => {
    if (!open.has(req.service.typeName)) {
      req.contextValues.set(principalKey, await authenticate(req.header.get("authorization")));
    }
    return next(req);
  };
}
