import http2 from "node:http2";
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";

/** A gRPC length-prefixed message: flag byte 0, big-endian length, the bytes. */
export function grpcFrame(bytes: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + bytes.byteLength);
  frame.writeUInt32BE(bytes.byteLength, 1);
  frame.set(bytes, 5);
  return frame;
}

/** A protobuf-es message encoded and framed for gRPC. */
export function grpcBody<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Buffer {
  return grpcFrame(toBinary(schema, create(schema, init)));
}

/** Opens an HTTP/2 cleartext session and waits until it is connected. */
export async function connectHttp2(url: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url);
  session.on("error", () => undefined); // attacks end sessions; tests look at outcomes, not errors
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  return session;
}

/** Request headers of a gRPC call to `path`. */
export function grpcHeaders(path: string, authorization?: string): http2.OutgoingHttpHeaders {
  return {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc+proto",
    te: "trailers",
    ...(authorization !== undefined && { authorization: `Bearer ${authorization}` }),
  };
}
