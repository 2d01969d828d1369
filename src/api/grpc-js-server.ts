import type http2 from "node:http2";
import type { Duplex } from "node:stream";
import { create, type DescMessage, type DescMethod, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, createServiceImplSpec, type Interceptor } from "@connectrpc/connect";
import { invokeUnaryImplementation, transformInvokeImplementation } from "@connectrpc/connect/protocol";
import * as grpc from "@grpc/grpc-js";
import { edgeErrorKey } from "./edge-error.js";
import { type GrpcJsCall, type GrpcJsCallContext, grpcJsCallContext } from "./grpc-js-context.js";
import { shareConnections } from "./grpc-js-shared-connections.js";
import { grpcStatusDetailsBin } from "./grpc-status-details.js";
import type { Http2GuardOptions } from "./http2-guard.js";
import type { OpenCalls } from "./open-calls.js";
import type { ServiceEntry } from "./service-entry.js";

export interface GrpcJsServerOptions {
  services: ServiceEntry[];
  /** The same interceptors the Connect router runs (tracing, errors, auth, validation). */
  interceptors: Interceptor[];
  /** Every call in flight is tracked here, to be aborted at shutdown. */
  calls: OpenCalls;
  readMaxBytes: number;
  /**
   * Serves the HTTP/2 requests that are not gRPC (Connect, gRPC-Web, /healthz)
   * arriving on the connections this server takes, so one port keeps speaking
   * all three protocols over HTTP/2 too.
   */
  otherRequests: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  /** Limits on each connection (the same as the HTTP/2 server's). */
  limits: Http2GuardOptions & { maxConcurrentStreams: number };
}

export interface GrpcJsServer {
  /** Takes over an accepted HTTP/2 cleartext connection (the preface may already be unshifted into it). */
  inject(socket: Duplex): void;
  /** Stops taking calls; open calls may finish for `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * Serves the gRPC protocol with @grpc/grpc-js, running Herald's Connect service
 * implementations and interceptors unchanged (through connect-es's own
 * invocation helpers), so both stacks answer alike. connect-node's gRPC path
 * costs more per call than grpc-js's (README, "Architecture", has the numbers);
 * connect-node keeps Connect and gRPC-Web, on HTTP/1.1 and on HTTP/2.
 */
export function createGrpcJsServer(options: GrpcJsServerOptions): GrpcJsServer {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.readMaxBytes,
    "grpc.max_concurrent_streams": options.limits.maxConcurrentStreams,
    // Channelz keeps statistics per call and connection that nothing here reads.
    "grpc.enable_channelz": 0,
  });
  for (const [service, impl] of options.services) {
    const spec = createServiceImplSpec(service, impl);
    const definition: Record<string, grpc.MethodDefinition<Message, Message>> = {};
    const handlers: Record<string, grpc.UntypedHandleCall> = {};
    for (const method of service.methods) {
      const methodSpec = spec.methods[method.localName] as (typeof spec.methods)[string];
      definition[method.localName] = {
        path: `/${service.typeName}/${method.name}`,
        requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
        responseStream: streamsResponses(method),
        requestSerialize: (m) => encode(method.input, m),
        requestDeserialize: (b) => decodeOrRefuse(method.input, b),
        responseSerialize: streamsResponses(method) ? encodeOnce(method.output) : (m) => encode(method.output, m),
        responseDeserialize: (b) => fromBinary(method.output, b),
      };
      const context = (call: GrpcJsCall) => grpcJsCallContext(service, method, call, options.calls, valuesOf(call));
      if (methodSpec.kind === "unary") {
        const unary: grpc.handleUnaryCall<Message, Message> = (call, callback) => {
          const ctx = context(call);
          invokeUnaryImplementation(methodSpec, ctx, call.request, options.interceptors).then(
            (out) => {
              ctx.end();
              sendHeaders(call, ctx.responseHeader);
              callback(null, out, metadataOf(ctx.responseTrailer));
            },
            (error: unknown) => {
              ctx.end();
              callback(grpcError(error));
            },
          );
        };
        handlers[method.localName] = unary;
      } else {
        const streaming: grpc.handleBidiStreamingCall<Message, Message> = (call) => {
          const ctx = context(call);
          const input =
            methodSpec.kind === "server_streaming"
              ? once((call as unknown as { request: Message }).request)
              : readAll(call);
          void writeAll(call, transformInvokeImplementation(methodSpec, ctx, options.interceptors)(input), ctx);
        };
        handlers[method.localName] = streaming;
      }
    }
    server.addService(definition, handlers);
  }
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  shareConnections(server, options.otherRequests, options.limits);

  return {
    inject: (socket) => injector.injectConnection(socket),
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        injector.drain(graceMs);
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

/**
 * Requests that did not decode, by the empty message that stands in for them.
 * grpc-js answers a deserializer that throws with INTERNAL, before any
 * interceptor; an empty message goes on instead, and the edge-error
 * interceptor fails the call with InvalidArgument after authenticating it.
 */
const undecodable = new WeakMap<Message, ConnectError>();

function decodeOrRefuse(schema: DescMessage, bytes: Buffer): Message {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    const stand = create(schema);
    undecodable.set(
      stand,
      new ConnectError(
        `request body is not a valid ${schema.typeName} in protobuf binary: ${(error as Error).message}`,
        Code.InvalidArgument,
        undefined,
        undefined,
        error,
      ),
    );
    return stand;
  }
}

/** The call's context values, with the decoding error of a request that did not decode. */
function valuesOf(call: GrpcJsCall) {
  const values = createContextValues();
  const refused = undecodable.get((call as { request?: Message }).request as Message);
  if (refused !== undefined) values.set(edgeErrorKey, refused);
  return values;
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

/**
 * A client stream's messages as an async iterable. A plain `for await` over the
 * call would destroy it when the client half-closes, before the response and
 * its status are written.
 */
async function* readAll(call: grpc.ServerDuplexStream<Message, Message>): AsyncIterable<Message> {
  for await (const message of call.iterator({ destroyOnReturn: false })) yield message as Message;
}

async function writeAll(
  call: grpc.ServerDuplexStream<Message, Message>,
  output: AsyncIterable<Message>,
  ctx: GrpcJsCallContext,
) {
  try {
    let first = true;
    for await (const message of output) {
      // Shutdown, a deadline or a client gone: end with the reason's status, not OK.
      // Checked before writing too: a call reset before this point never drains.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (first) sendHeaders(call, ctx.responseHeader);
      first = false;
      if (!call.write(message)) await drained(call, ctx.signal);
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
    call.end(metadataOf(ctx.responseTrailer));
  } catch (error) {
    // grpc-js turns an 'error' event into the call's status; destroy() would send none.
    // On a call the client already left, nobody hears it; the output above is
    // ended all the same (for await returns it), which is what releases the stream.
    if (!call.cancelled) call.emit("error", grpcError(error));
  } finally {
    ctx.end();
  }
}

/**
 * Resolves when the call can take more output, or when waiting is pointless:
 * the call was aborted (also before this was called), closed or failed.
 */
function drained(call: grpc.ServerDuplexStream<Message, Message>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const events = ["drain", "close", "error", "finish"] as const;
    const done = () => {
      for (const event of events) call.removeListener(event, done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    for (const event of events) call.once(event, done);
    signal.addEventListener("abort", done, { once: true });
  });
}

function sendHeaders(call: { sendMetadata(m: grpc.Metadata): void }, headers: Headers) {
  let any = false;
  headers.forEach(() => {
    any = true;
  });
  if (any) call.sendMetadata(metadataOf(headers));
}

function streamsResponses(method: DescMethod): boolean {
  return method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
}

function encode(schema: DescMessage, message: Message): Buffer {
  const bytes = toBinary(schema, message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A streamed response's encoder that encodes each message object once: the
 * live feed hands one event's message to every stream that receives it, so
 * N streams cost one encode. A message must not change once yielded (none
 * does: handlers build a new one per event). grpc-js copies the bytes into
 * its own frame, so sharing them is safe.
 */
function encodeOnce(schema: DescMessage): (message: Message) => Buffer {
  const encoded = new WeakMap<Message, Buffer>();
  return (message) => {
    let bytes = encoded.get(message);
    if (bytes === undefined) {
      bytes = encode(schema, message);
      encoded.set(message, bytes);
    }
    return bytes;
  };
}

function metadataOf(headers: Headers): grpc.Metadata {
  const metadata = new grpc.Metadata();
  headers.forEach((value, name) => {
    if (!name.endsWith("-bin")) metadata.set(name, value);
  });
  return metadata;
}

/** A ConnectError (interceptors map every error to one) as a gRPC status; the codes are the same numbers. */
function grpcError(error: unknown): Partial<grpc.StatusObject> & Error {
  const e = ConnectError.from(error);
  const metadata = metadataOf(e.metadata);
  const details = grpcStatusDetailsBin(e);
  if (details !== null) metadata.set("grpc-status-details-bin", details);
  return Object.assign(new Error(e.rawMessage), {
    code: e.code as number as grpc.status,
    details: e.rawMessage,
    metadata,
  });
}
