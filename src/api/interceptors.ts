import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Principal } from "../domain/principal.js";
import type { Metrics } from "../telemetry/metrics.js";
import { contextFrom } from "../telemetry/propagation.js";
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
      throw toConnectError(error, logger, procedure, req.signal);
    }
    if (!res.stream) return res;
    const stream = res as StreamResponse;
    return {
      ...stream,
      message: (async function* () {
        try {
          yield* stream.message;
        } catch (error) {
          throw toConnectError(error, logger, procedure, req.signal);
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
    // A call its client already reset (a rapid-reset flood is made of these)
    // gets no further: no credential lookup, no database work.
    if (req.signal.aborted) throw ConnectError.from(req.signal.reason, Code.Canceled);
    if (!open.has(req.service.typeName)) {
      req.contextValues.set(principalKey, await authenticate(req.header.get("authorization")));
    }
    return next(req);
  };
}

const tracer = trace.getTracer("herald");
const codeName = (code: Code) => Code[code].replace(/[A-Z]/g, (c, i) => (i === 0 ? c : `_${c}`)).toLowerCase();

/**
 * A server span per RPC (continuing a W3C traceparent the caller sent) and the
 * RPC metrics. There is no official OpenTelemetry instrumentation for Connect,
 * hence this interceptor. Outermost, so it sees the final status code; a
 * stream's span and latency last until the stream ends.
 */
export function observabilityInterceptor(metrics: Metrics): Interceptor {
  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const started = performance.now();
    let ended = false;
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "rpc.system": (req.header.get("content-type") ?? "").startsWith("application/grpc") ? "grpc" : "connect_rpc",
          "rpc.service": req.service.typeName,
          "rpc.method": req.method.name,
        },
      },
      contextFrom((name) => req.header.get(name) ?? undefined),
    );
    const finish = (error?: unknown) => {
      if (ended) return;
      ended = true;
      const code = error === undefined ? "ok" : codeName(ConnectError.from(error).code);
      span.setAttribute("rpc.connect_rpc.status_code", code);
      if (error !== undefined)
        span.setStatus({ code: SpanStatusCode.ERROR, message: ConnectError.from(error).rawMessage });
      span.end();
      metrics.observeRpc(method, code, (performance.now() - started) / 1000);
    };
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await context.with(trace.setSpan(context.active(), span), () => next(req));
    } catch (error) {
      finish(error);
      throw error;
    }
    if (!res.stream) {
      finish();
      return res;
    }
    const stream = res as StreamResponse;
    return {
      ...stream,
      message: (async function* () {
        let failure: { error: unknown } | undefined;
        try {
          yield* stream.message;
        } catch (error) {
          failure = { error };
          throw error;
        } finally {
          // Also when the client leaves and the stream is returned early.
          finish(failure?.error);
        }
      })(),
    };
  };
}
