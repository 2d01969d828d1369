import { promisify } from "node:util";
import zlib from "node:zlib";
import { type DescMessage, fromBinary, fromJsonString } from "@bufbuild/protobuf";

/**
 * How a request's body is laid out, from its protocol and Content-Type:
 * Connect unary carries the bare message; Connect streaming, gRPC and gRPC-Web
 * carry length-prefixed envelopes (flag byte, 4-byte length, message).
 */
export interface WireFormat {
  protocol: "connect" | "grpc" | "grpc-web";
  /** Envelopes around the message (streaming Connect, gRPC, gRPC-Web). */
  enveloped: boolean;
  /** Protobuf binary; otherwise JSON. */
  binary: boolean;
  /** The header naming the body's (or each compressed envelope's) compression. */
  encodingHeader: "content-encoding" | "connect-content-encoding" | "grpc-encoding";
}

/** The Content-Types each protocol accepts, for error messages. */
export const acceptedContentTypes =
  "application/json or application/proto (Connect), application/connect+json or application/connect+proto " +
  "(Connect streaming), application/grpc-web+proto or application/grpc-web+json (gRPC-Web), application/grpc (gRPC)";

const connectType = /^application\/(connect\+)?(?:(json)(?:; ?charset=utf-?8)?|(proto))$/i;
const grpcWebType = /^application\/grpc-web(?:\+(?:(json)(?:; ?charset=utf-?8)?|proto))?$/i;
const grpcType = /^application\/grpc(?:\+(?:(json)(?:; ?charset=utf-?8)?|proto))?$/i;

/** The wire format of a POST with this Content-Type, or null if no protocol Herald serves uses it. */
export function wireFormatOf(contentType: string | null, streaming: boolean): WireFormat | null {
  if (contentType === null) return null;
  const connect = connectType.exec(contentType);
  if (connect !== null) {
    // A streaming RPC takes only the streaming type, a unary one only the unary type.
    if (Boolean(connect[1]) !== streaming) return null;
    return {
      protocol: "connect",
      enveloped: streaming,
      binary: connect[3] !== undefined,
      encodingHeader: streaming ? "connect-content-encoding" : "content-encoding",
    };
  }
  const web = grpcWebType.exec(contentType);
  if (web !== null)
    return { protocol: "grpc-web", enveloped: true, binary: web[1] === undefined, encodingHeader: "grpc-encoding" };
  const grpc = grpcType.exec(contentType);
  if (grpc !== null)
    return { protocol: "grpc", enveloped: true, binary: grpc[1] === undefined, encodingHeader: "grpc-encoding" };
  return null;
}

const gunzip = promisify(zlib.gunzip);
const brotliDecompress = promisify(zlib.brotliDecompress);

/** Decompresses with a bound on the output, so a small bomb cannot make a big buffer. */
export async function decompress(bytes: Uint8Array, encoding: string, maxBytes: number): Promise<Uint8Array> {
  const options = { maxOutputLength: maxBytes };
  if (encoding === "gzip") return gunzip(bytes, options);
  if (encoding === "br") return brotliDecompress(bytes, options);
  throw new RequestBodyError(`compression "${encoding}" is not supported (use gzip or br)`);
}

/** Why a request body cannot be the message it should carry. */
export class RequestBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RequestBodyError";
  }
}

export interface Envelope {
  flags: number;
  data: Uint8Array;
}

/** Splits a body into envelopes; throws RequestBodyError when the framing is broken. */
export function splitEnvelopes(bytes: Uint8Array): Envelope[] {
  const envelopes: Envelope[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.byteLength) {
    if (bytes.byteLength - at < 5) throw new RequestBodyError("the body ends inside an envelope header");
    const flags = view.getUint8(at);
    const length = view.getUint32(at + 1);
    if (bytes.byteLength - at - 5 < length) throw new RequestBodyError("the body ends inside an envelope");
    envelopes.push({ flags, data: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return envelopes;
}

/** Frames messages as envelopes with the given flags. */
export function joinEnvelopes(envelopes: Envelope[]): Uint8Array {
  const out = new Uint8Array(envelopes.reduce((n, e) => n + 5 + e.data.byteLength, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of envelopes) {
    view.setUint8(at, e.flags);
    view.setUint32(at + 1, e.data.byteLength);
    out.set(e.data, at + 5);
    at += 5 + e.data.byteLength;
  }
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Options for reading JSON requests: unknown fields are refused, so a typo such
 * as `idempotency_keys` fails loudly instead of silently turning a feature off
 * (binary protobuf keeps the standard unknown-field behaviour, which schema
 * evolution needs); bytes that are not UTF-8 are refused instead of replaced.
 */
export const strictJson = { ignoreUnknownFields: false, textDecoder: strictUtf8 } as const;

/**
 * Decodes one message the way the RPC stacks will, and says why it fails in
 * words for the caller: protobuf-es's own message, which names the field or
 * the key where it can.
 */
export function decodeMessage(schema: DescMessage, bytes: Uint8Array, binary: boolean): void {
  if (binary) {
    try {
      fromBinary(schema, bytes);
    } catch (error) {
      throw new RequestBodyError(`is not a valid ${schema.typeName} in protobuf binary: ${(error as Error).message}`);
    }
    return;
  }
  let json: string;
  try {
    json = strictUtf8.decode(bytes);
  } catch {
    throw new RequestBodyError("is not valid UTF-8");
  }
  try {
    fromJsonString(schema, json, strictJson);
  } catch (error) {
    throw new RequestBodyError(`${(error as Error).message}`);
  }
}
