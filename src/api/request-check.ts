import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  decodeMessage,
  decompress,
  type Envelope,
  joinEnvelopes,
  RequestBodyError,
  splitEnvelopes,
  type WireFormat,
} from "./wire-format.js";

/** What the RPC stack gets: the body to parse, and why the edge refused the request, if it did. */
export interface CheckedRequest {
  /** A body that decodes: the request's own (decompressed), or a valid empty message in its place. */
  body: Uint8Array;
  error: ConnectError | null;
}

const compressedFlag = 0b1;

/**
 * Checks that a request body carries exactly one message of the method's input
 * type, decoding it as the RPC stack will. Compressed bodies are decompressed
 * here (bounded by `maxBytes`) and handed on uncompressed, with the encoding
 * header removed, so what was checked is what is parsed.
 */
export async function checkRequestBody(
  method: DescMethod,
  format: WireFormat,
  bytes: Uint8Array,
  header: Headers,
  maxBytes: number,
): Promise<CheckedRequest> {
  const encoding = header.get(format.encodingHeader) ?? "identity";
  try {
    if (!format.enveloped) {
      const plain = encoding === "identity" ? bytes : await decompressed(bytes, encoding, maxBytes);
      decodeMessage(method.input, plain, format.binary);
      header.delete(format.encodingHeader);
      return { body: plain, error: null };
    }
    const envelopes = splitEnvelopes(bytes);
    if (envelopes.length !== 1) {
      throw new RequestBodyError(`must hold exactly one message, it holds ${envelopes.length}`);
    }
    const plain: Envelope[] = [];
    for (const envelope of envelopes) {
      if ((envelope.flags & ~compressedFlag) !== 0) {
        throw new RequestBodyError(`has an envelope with flags ${envelope.flags}, which a request never carries`);
      }
      const compressed = (envelope.flags & compressedFlag) !== 0;
      if (compressed && encoding === "identity") {
        throw new RequestBodyError(`has a compressed message but no ${format.encodingHeader} header`);
      }
      const data = compressed ? await decompressed(envelope.data, encoding, maxBytes) : envelope.data;
      decodeMessage(method.input, data, format.binary);
      plain.push({ flags: 0, data });
    }
    header.delete(format.encodingHeader);
    return { body: envelopes.some((e) => e.flags !== 0) ? joinEnvelopes(plain) : bytes, error: null };
  } catch (error) {
    if (!(error instanceof RequestBodyError)) throw error;
    header.delete(format.encodingHeader);
    return {
      body: emptyBody(format),
      error: new ConnectError(`request body ${error.message}`, Code.InvalidArgument, undefined, undefined, error),
    };
  }
}

async function decompressed(bytes: Uint8Array, encoding: string, maxBytes: number): Promise<Uint8Array> {
  try {
    return await decompress(bytes, encoding, maxBytes);
  } catch (error) {
    if (error instanceof RequestBodyError) throw error;
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new RequestBodyError(`is larger than ${maxBytes} bytes once decompressed`);
    }
    throw new RequestBodyError(`does not decompress as ${encoding}`);
  }
}

/** A body holding an empty message, in the request's framing and codec. */
export function emptyBody(format: WireFormat): Uint8Array {
  const message = format.binary ? new Uint8Array(0) : new TextEncoder().encode("{}");
  return format.enveloped ? joinEnvelopes([{ flags: 0, data: message }]) : message;
}

/** The same check for Connect's GET form, whose message is in the query string. */
export async function checkGetQuery(
  method: DescMethod,
  url: string,
  maxBytes: number,
): Promise<{ url: string; error: ConnectError | null }> {
  const parsed = new URL(url);
  const query = parsed.searchParams;
  const binary = query.get("encoding") === "proto";
  if (!binary && query.get("encoding") !== "json") return { url, error: null }; // connect-node answers that itself
  try {
    const raw = query.get("message") ?? "";
    let bytes: Uint8Array = query.get("base64") === "1" ? Buffer.from(raw, "base64url") : new TextEncoder().encode(raw);
    if (bytes.byteLength > maxBytes)
      throw new ConnectError(`the request is larger than ${maxBytes} bytes`, Code.ResourceExhausted);
    const compression = query.get("compression");
    if (compression !== null && compression !== "identity") {
      bytes = await decompressed(bytes, compression, maxBytes);
      query.delete("compression");
    }
    decodeMessage(method.input, bytes, binary);
    query.set("message", Buffer.from(bytes).toString("base64url"));
    query.set("base64", "1");
    return { url: parsed.toString(), error: null };
  } catch (error) {
    const refused =
      error instanceof ConnectError
        ? error
        : error instanceof RequestBodyError
          ? new ConnectError(`request message ${error.message}`, Code.InvalidArgument, undefined, undefined, error)
          : null;
    if (refused === null) throw error;
    query.delete("compression");
    query.set("message", binary ? "" : "{}");
    query.delete("base64");
    return { url: parsed.toString(), error: refused };
  }
}
