import type http from "node:http";
import type http2 from "node:http2";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;

export type BodyOutcome =
  | { kind: "ok"; bytes: Uint8Array }
  /** More than `maxBytes` arrived; reading stopped there. */
  | { kind: "too_large" }
  /** The body did not finish arriving within `timeoutMs`. */
  | { kind: "timeout" }
  /** The client went away (or the request failed) before the body ended. */
  | { kind: "aborted" };

/**
 * Reads a whole request body, bounded in size and time. Herald's RPCs are unary
 * or server-streaming, so a request body is one message (or one envelope) and
 * can be read whole before the handler runs. Reading stops at the first byte
 * over the limit, so a client cannot make Herald buffer more than `maxBytes`.
 */
export function readRequestBody(
  req: NodeRequest,
  options: { maxBytes: number; timeoutMs: number },
): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("error", onAbort);
      req.removeListener("aborted", onAbort);
      req.removeListener("close", onClose);
      if (outcome.kind !== "ok") req.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > options.maxBytes) finish({ kind: "too_large" });
      else chunks.push(chunk);
    };
    const onEnd = () =>
      finish({ kind: "ok", bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
    const onAbort = () => finish({ kind: "aborted" });
    // 'close' before 'end' means the request was cut off.
    const onClose = () => finish({ kind: "aborted" });
    const timer = setTimeout(() => finish({ kind: "timeout" }), options.timeoutMs);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onAbort);
    req.once("aborted", onAbort);
    req.once("close", onClose);
  });
}
