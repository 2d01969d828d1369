import http2 from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createConnectRouter,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { createAsyncIterable, type UniversalHandler, type UniversalServerRequest } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { edgeErrorKey } from "./edge-error.js";
import type { HttpHandler } from "./http-server.js";
import type { OpenCalls } from "./open-calls.js";
import { readRequestBody } from "./request-body.js";
import { type CheckedRequest, checkGetQuery, checkRequestBody, emptyBody } from "./request-check.js";
import { answerNotFound, answerUnsupported } from "./rpc-not-found.js";
import { acceptedContentTypes, strictJson, wireFormatOf } from "./wire-format.js";

export interface RpcHandlerOptions {
  /** Registers the services (the Connect router's usual `routes`). */
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  /** Every call in flight is tracked here, to be aborted at shutdown. */
  calls: OpenCalls;
  /** Largest request message accepted (larger is ResourceExhausted). */
  readMaxBytes: number;
  /** Responses are compressed only from this size up. */
  compressMinBytes: number;
  /** Longest deadline a caller may ask for. */
  maxTimeoutMs: number;
  /** Longest a request body may take to arrive once its headers did. */
  bodyTimeoutMs: number;
  logger: Logger;
}

type NodeRequest = Parameters<HttpHandler>[0];
type NodeResponse = Parameters<HttpHandler>[1];

/**
 * Serves Connect and gRPC-Web (and gRPC, when connect-node is the gRPC stack)
 * on connect-node's router, as `connectNodeAdapter` does, with an edge of
 * Herald's own in front. Herald's RPCs take one message each, so the edge
 * reads the body whole, bounded in size and time, and checks that it decodes
 * before the router sees it. connect-node would answer a binary body that does
 * not decode with Internal, and any undecodable body before authentication and
 * without counting the call; here the call runs the interceptors like any
 * other (see edge-error.ts) and fails with InvalidArgument. Unknown paths,
 * methods and Content-Types get a short answer saying what was expected.
 */
export function createRpcHandler(options: RpcHandlerOptions): HttpHandler {
  const router = createConnectRouter({
    interceptors: options.interceptors,
    // No shutdownSignal: connect-es would link every call to it with an event
    // listener, which costs O(open calls) each; calls are tracked instead
    // (see open-calls.ts) and their request signal carries shutdown.
    readMaxBytes: options.readMaxBytes,
    compressMinBytes: options.compressMinBytes,
    maxTimeoutMs: options.maxTimeoutMs,
    acceptCompression: [compressionGzip, compressionBrotli],
    jsonOptions: strictJson,
  });
  options.routes(router);
  const byPath = new Map<string, UniversalHandler>(router.handlers.map((h) => [h.requestPath, h]));
  const services = [...new Set(router.handlers.map((h) => h.service.typeName))];

  return (req, res) => {
    const path = (req.url ?? "").split("?", 1)[0] ?? "";
    const handler = byPath.get(path);
    if (handler === undefined) return answerNotFound(req, res, path, services);
    serveCall(handler, req, res, options).catch((error: unknown) => {
      // The response could not be completed: the client left mid-response.
      options.logger.debug({ err: error, path }, "response not completed");
    });
  };
}

async function serveCall(handler: UniversalHandler, req: NodeRequest, res: NodeResponse, options: RpcHandlerOptions) {
  const method = handler.method;
  if (req.method === "GET" && method.idempotency !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) {
    return answerUnsupported(res, 405, `${method.name} takes POST; only side-effect-free methods take GET`);
  }
  if (req.method !== "GET" && req.method !== "POST") {
    return answerUnsupported(res, 405, `RPCs take POST (or GET for side-effect-free methods), not ${req.method}`);
  }
  const contextValues = createContextValues();
  const uReq = universalRequestFromNodeRequest(req, res, undefined, contextValues);
  if (streamsRequests(method) && req.httpVersionMajor !== 2) {
    return answerUnsupported(
      res,
      505,
      `${method.name} streams requests, which needs HTTP/2 (gRPC, or Connect over HTTP/2); over HTTP/1.1 use SendBatch`,
    );
  }
  if (streamsRequests(method) && req.method === "POST") {
    // A request stream is not one body to read first: its messages are read as
    // the handler asks for them (HTTP/2 flow control holds the rest back), each
    // bounded by readMaxBytes by connect-node, which also refuses HTTP/1.1.
    const response = await handler({ ...uReq, signal: trackedSignal(uReq.signal, options.calls) });
    await universalResponseToNodeResponse(response, res);
    return;
  }
  let checked: CheckedRequest | { url: string; error: ConnectError | null };
  let complete = true;
  let incomplete: "too_large" | "timeout" = "timeout";
  let call: UniversalServerRequest;
  if (req.method === "GET") {
    checked = await checkGetQuery(method, uReq.url, options.readMaxBytes);
    call = { ...uReq, url: checked.url };
  } else {
    const streaming = method.methodKind === "server_streaming";
    const format = wireFormatOf(uReq.header.get("content-type"), streaming);
    if (format === null) {
      const given = JSON.stringify(uReq.header.get("content-type") ?? "");
      return answerUnsupported(
        res,
        415,
        `unsupported Content-Type ${given} for ${method.name}; use ${acceptedContentTypes}`,
      );
    }
    const body = await readRequestBody(req, {
      maxBytes: options.readMaxBytes + (format.enveloped ? 5 : 0),
      timeoutMs: options.bodyTimeoutMs,
    });
    if (body.kind === "aborted") return; // nobody is left to answer
    complete = body.kind === "ok";
    if (body.kind !== "ok") incomplete = body.kind;
    checked =
      body.kind === "ok"
        ? await checkRequestBody(method, format, body.bytes, uReq.header, options.readMaxBytes)
        : { body: emptyBody(format), error: incompleteBodyError(body.kind, options) };
    // The body handed on may differ from what arrived (decompressed, or replaced).
    uReq.header.delete("content-length");
    call = { ...uReq, body: createAsyncIterable([checked.body]) };
  }
  if (checked.error !== null) contextValues.set(edgeErrorKey, checked.error);
  if (!complete) stopReadingAfterResponse(req, res, incomplete, options);
  const response = await handler({ ...call, signal: trackedSignal(uReq.signal, options.calls) });
  await universalResponseToNodeResponse(response, res);
}

function streamsRequests(method: DescMethod): boolean {
  return method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
}

/**
 * The call's signal for the router: aborted when the request's own signal is
 * (the client left, or the exchange is over: connect-node aborts it when the
 * request closes) or at shutdown. The call is tracked until then.
 */
function trackedSignal(requestSignal: AbortSignal, calls: OpenCalls): AbortSignal {
  const controller = new AbortController();
  if (requestSignal.aborted) {
    controller.abort(requestSignal.reason);
    return controller.signal;
  }
  const untrack = calls.track(controller);
  requestSignal.addEventListener(
    "abort",
    () => {
      untrack();
      if (!controller.signal.aborted) controller.abort(requestSignal.reason);
    },
    { once: true },
  );
  return controller.signal;
}

/**
 * For a request whose body was not read to its end (too large, too slow): the
 * answer goes out, then the client is told to stop sending the rest. HTTP/1.1
 * closes the connection. HTTP/2 resets the stream with NO_ERROR after the
 * complete response, which RFC 9113 (8.1) provides for; but a client still
 * writing its body may see the reset before the answer (connect-node reports
 * "Premature close" as Unknown). So the rest of a body that was only too large
 * is first read and dropped, up to `readMaxBytes` more within the body
 * timeout: a client sending up to twice the limit hears resource_exhausted,
 * and Herald never holds more than a chunk of it.
 */
function stopReadingAfterResponse(
  req: NodeRequest,
  res: NodeResponse,
  why: "too_large" | "timeout",
  options: RpcHandlerOptions,
): void {
  if (!("stream" in req)) {
    res.setHeader("connection", "close");
    return;
  }
  // The stream's writable side, not the compatibility response: that one
  // reports 'finish' only once the whole stream has closed.
  const stream = req.stream;
  const reset = () => {
    if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  };
  stream.once("finish", () => {
    // On the next turn: the response's last frame is queued by then.
    setImmediate(() => {
      if (why === "timeout") return reset();
      let dropped = 0;
      const timer = setTimeout(stop, options.bodyTimeoutMs);
      const onData = (chunk: Buffer) => {
        dropped += chunk.byteLength;
        if (dropped > options.readMaxBytes) stop();
      };
      function stop() {
        clearTimeout(timer);
        req.removeListener("data", onData);
        req.pause();
        reset();
      }
      req.on("data", onData);
      req.once("end", () => clearTimeout(timer));
      req.once("close", () => clearTimeout(timer));
      req.resume();
    });
  });
}

function incompleteBodyError(kind: "too_large" | "timeout", options: RpcHandlerOptions): ConnectError {
  return kind === "too_large"
    ? new ConnectError(`the request is larger than ${options.readMaxBytes} bytes`, Code.ResourceExhausted)
    : new ConnectError(`the request body did not arrive within ${options.bodyTimeoutMs} ms`, Code.DeadlineExceeded);
}
