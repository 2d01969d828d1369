import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  ListRequestSchema,
  ListResponseSchema,
  SendRequestSchema,
  SendResponseSchema,
  SendStreamRequestSchema,
  SendStreamResponseSchema,
  SubscribeRequestSchema,
  SubscribeResponseSchema,
} from "../../gen/ts/herald/v1/notification_service_pb.js";

/**
 * @grpc/grpc-js with protobuf-es codecs: a gRPC client that is not the server's
 * connect-es stack (a connect-node client measured itself at ~2.2k calls/s, see
 * shared/NOTES.md). Requests are encoded once and reused where they repeat;
 * responses are decoded only where the benchmark needs their content.
 */
const service = "/herald.v1.NotificationService";
export const methods = {
  send: `${service}/Send`,
  list: `${service}/List`,
  subscribe: `${service}/Subscribe`,
  sendStream: `${service}/SendStream`,
} as const;

const identity = (b: Buffer) => b;

/**
 * `count` clients, each on its own HTTP/2 connection (a local subchannel pool
 * keeps grpc-js from sharing one connection between them), connected up front.
 */
export async function connect(port: number, count: number): Promise<grpc.Client[]> {
  const clients = Array.from(
    { length: count },
    () =>
      new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        "grpc.max_receive_message_length": 16 * 1024 * 1024,
      }),
  );
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve, reject) =>
          c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())),
        ),
    ),
  );
  return clients;
}

export function closeAll(clients: grpc.Client[]): void {
  for (const c of clients) c.close();
}

/** Metadata with `authorization: Bearer <credential>`. */
export function bearer(credential: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${credential}`);
  return md;
}

/** A unary call with pre-encoded request bytes; resolves with the raw response bytes. */
export function unaryRaw(client: grpc.Client, method: string, request: Buffer, md: grpc.Metadata): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      method,
      identity,
      identity,
      request,
      md.clone(),
      { deadline: Date.now() + 30_000 },
      (err, res) => (err ? reject(err) : resolve(res as Buffer)),
    );
  });
}

/** A server-streaming call with pre-encoded request bytes; emits raw message bytes. */
export function streamRaw(
  client: grpc.Client,
  method: string,
  request: Buffer,
  md: grpc.Metadata,
): grpc.ClientReadableStream<Buffer> {
  return client.makeServerStreamRequest(method, identity, identity, request, md.clone());
}

/** A bidi-streaming call with pre-encoded request bytes; emits raw message bytes. */
export function bidiRaw(
  client: grpc.Client,
  method: string,
  md: grpc.Metadata,
): grpc.ClientDuplexStream<Buffer, Buffer> {
  return client.makeBidiStreamRequest(method, identity, identity, md.clone());
}

export const encode = {
  sendStream: (init: MessageInitShape<typeof SendStreamRequestSchema>) =>
    Buffer.from(toBinary(SendStreamRequestSchema, create(SendStreamRequestSchema, init))),
  send: (init: MessageInitShape<typeof SendRequestSchema>) =>
    Buffer.from(toBinary(SendRequestSchema, create(SendRequestSchema, init))),
  list: (init: MessageInitShape<typeof ListRequestSchema>) =>
    Buffer.from(toBinary(ListRequestSchema, create(ListRequestSchema, init))),
  subscribe: (init: MessageInitShape<typeof SubscribeRequestSchema>) =>
    Buffer.from(toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, init))),
};

export const decode = {
  sendStream: (bytes: Buffer) => fromBinary(SendStreamResponseSchema, bytes),
  send: (bytes: Buffer) => fromBinary(SendResponseSchema, bytes),
  list: (bytes: Buffer) => fromBinary(ListResponseSchema, bytes),
  subscribe: (bytes: Buffer) => fromBinary(SubscribeResponseSchema, bytes),
};
