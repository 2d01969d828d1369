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

export interface Http2Response {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** The stream's RST_STREAM code (0 when it ended normally). */
  rstCode: number;
}

/** One request on a session; resolves with headers, trailers and body, or how the stream was reset. */
export function http2Request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer | string,
): Promise<Http2Response> {
  return new Promise((resolve) => {
    const req = session.request(headers);
    const out: Http2Response = { headers: {}, trailers: {}, body: Buffer.alloc(0), rstCode: 0 };
    const chunks: Buffer[] = [];
    req.on("response", (h) => {
      out.headers = h;
    });
    req.on("trailers", (t) => {
      out.trailers = t;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => undefined);
    req.on("close", () => {
      out.body = Buffer.concat(chunks);
      out.rstCode = req.rstCode ?? 0;
      resolve(out);
    });
    req.end(body);
  });
}

/** The gRPC status of a response: from its trailers, or its headers for a trailers-only answer. */
export function grpcStatusOf(response: Http2Response): { code: number; message: string } {
  let source: Record<string, unknown> =
    response.trailers["grpc-status"] !== undefined ? response.trailers : response.headers;
  if (source["grpc-status"] === undefined) source = grpcWebTrailers(response.body);
  return {
    code: Number(source["grpc-status"]),
    message: decodeURIComponent(String(source["grpc-message"] ?? "")),
  };
}

/** gRPC-Web carries trailers in the body, in an envelope flagged 0x80, as HTTP/1 header lines. */
function grpcWebTrailers(body: Buffer): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (let at = 0; at + 5 <= body.length; ) {
    const flags = body.readUInt8(at);
    const length = body.readUInt32BE(at + 1);
    if (flags & 0x80) {
      for (const line of body
        .subarray(at + 5, at + 5 + length)
        .toString()
        .split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
    }
    at += 5 + length;
  }
  return trailers;
}
