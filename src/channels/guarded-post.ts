/**
 * One HTTP(S) POST to a URL an API caller supplied (webhook, Teams and Slack
 * endpoints), made the one way such a URL may be called: connections go only
 * to addresses the SSRF guard approved (network-guard.ts), one timeout bounds
 * the whole call, the caller's signal ends it sooner, the answer is read only
 * so far, and a call with no answer fails with a category (PostFailure).
 */
import dns from "node:dns";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { PermanentDeliveryError, TransientDeliveryError } from "../domain/delivery-errors.js";
import { checkWebhookUrl, guardedLookup, PrivateNetworkError } from "./network-guard.js";

/**
 * Why a post got no answer, as a failed attempt records it and so as admin
 * callers read it in a delivery's errors: a category, never an address, port
 * or errno string, so that registering URLs and reading their errors cannot
 * map the network Herald runs in (which addresses answer, which ports are
 * open). These are the bare texts; a label prefixes them (GuardedPostOptions).
 */
export const PostFailure = {
  refused: "connection refused",
  timedOut: "timed out",
  tls: "TLS failed",
  dns: "DNS lookup failed",
  /** Reset, unreachable, closed before an answer: the rest of the network failures. */
  failed: "connection failed",
  /** The caller's signal gave the call up (shutdown). */
  aborted: "aborted",
  /** The guard refused the address: the only permanent one. */
  notAllowed: "refused: address not allowed",
} as const;

export type PostFailureKind = keyof typeof PostFailure;
/** The text a failed post records, per category. */
export type PostFailureTexts = Record<PostFailureKind, string>;

export interface GuardedPostOptions {
  /** Lets posts reach loopback and private addresses over plain http: development and tests only. */
  allowPrivateNetworks: boolean;
  /** ms for the whole call, from connecting to the end of the answer's body (or of draining it). */
  timeoutMs: number;
  /**
   * Bytes of the answer's body to keep: the post resolves once the body has
   * ended, with its first keepBodyBytes bytes. 0: it resolves on the status
   * line and the body is drained and ignored.
   */
  keepBodyBytes: number;
  /**
   * For a sender that keeps the body only for people to read (a webhook's
   * response excerpt), not to decide anything: after the status line the post
   * waits at most this many ms for the kept bytes, then resolves with what came
   * (the rest drains), so a receiver that answers 2xx and stalls its body is
   * not a timeout and a retry. Unset: wait for the body's end (Slack and Teams
   * read their answer).
   */
  excerptWaitMs?: number;
  /**
   * Who was calling, in failure messages: "Teams request" makes "Teams
   * request timed out", "Teams request aborted" and "Teams request failed:
   * connection refused". Without one, the bare PostFailure texts.
   */
  label?: string;
  /** Texts to record instead of the labelled ones, for a sender whose messages are already known by callers. */
  messages?: Partial<PostFailureTexts>;
}

/** What the receiver answered, before a sender decides what it means. */
export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's first keepBodyBytes bytes as UTF-8; "" when it is not kept. */
  body: string;
}

export interface GuardedPost {
  /**
   * POSTs `body` (text, or bytes such as an encrypted push message) with
   * `headers` (content-length is added). Resolves with any
   * answer, whatever its status; rejects with a TransientDeliveryError when
   * none came, or a PermanentDeliveryError when the guard refused the address.
   * Redirects are never followed: the guard approved this URL, not wherever
   * a receiver points next.
   */
  post(
    url: string,
    body: string | Uint8Array,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<PostAnswer>;
  /** Closes the pooled connections. */
  close(): void;
}

/** Bodies not kept are read only to free the connection for reuse; a larger one costs a new connection instead. */
const MAX_DRAIN_BYTES = 64 * 1024;

/** A poster with its own pooled keep-alive connections. */
export function createGuardedPost(options: GuardedPostOptions): GuardedPost {
  const guard = { allowPrivateNetworks: options.allowPrivateNetworks };
  const lookup: LookupFunction = options.allowPrivateNetworks ? dns.lookup : guardedLookup;
  const messages = failureMessages(options.label, options.messages);
  // Idle sockets close before the usual 5 s server keep-alive, so a reused one is rarely already closed.
  const agents = {
    "http:": new http.Agent({ keepAlive: true, timeout: 4_000 }),
    "https:": new https.Agent({ keepAlive: true, timeout: 4_000 }),
  };

  function post(url: string, body: string | Uint8Array, headers: Record<string, string>, signal?: AbortSignal) {
    return new Promise<PostAnswer>((resolve, reject) => {
      const fail = (error: unknown) => reject(classifyFailure(error, messages));
      // A literal address never reaches the lookup: the URL check is its guard.
      if (!options.allowPrivateNetworks && checkWebhookUrl(url, guard) !== null) {
        return reject(new PermanentDeliveryError(messages.notAllowed));
      }
      if (signal?.aborted) return fail(new AbortedError(signal.reason));
      const target = new URL(url);
      const request = (target.protocol === "https:" ? https : http).request(target, {
        method: "POST",
        agent: agents[target.protocol as keyof typeof agents],
        lookup,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      });
      // One budget for the whole call, reading or draining the answer included.
      const timer = setTimeout(() => request.destroy(new TimeoutError()), options.timeoutMs);
      const onAbort = () => request.destroy(new AbortedError(signal?.reason));
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("close", () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      });
      // After an answer this rejects nothing (the promise is settled); the listener keeps errors from crashing.
      request.on("error", fail);
      request.on("response", (response) =>
        readAnswer(response, options.keepBodyBytes, options.excerptWaitMs).then(resolve, fail),
      );
      request.end(body);
    });
  }

  return {
    post,
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

/** Each failure's text: an override, else the category after the label. */
function failureMessages(label: string | undefined, overrides: Partial<PostFailureTexts> = {}): PostFailureTexts {
  const labelled = (kind: PostFailureKind): string => {
    const bare = PostFailure[kind];
    // The guard's refusal is about the address, whoever asked.
    if (label === undefined || kind === "notAllowed") return bare;
    return kind === "timedOut" || kind === "aborted" ? `${label} ${bare}` : `${label} failed: ${bare}`;
  };
  const kinds = Object.keys(PostFailure) as PostFailureKind[];
  return Object.fromEntries(kinds.map((kind) => [kind, overrides[kind] ?? labelled(kind)])) as PostFailureTexts;
}

/**
 * The answer, with its body's first `keep` bytes once it ended (or, with
 * `waitMs`, with what came by then); with none kept, at once, draining the body.
 */
function readAnswer(response: http.IncomingMessage, keep: number, waitMs?: number): Promise<PostAnswer> {
  const answer = { status: response.statusCode ?? 0, headers: response.headers };
  if (keep <= 0) {
    drain(response);
    return Promise.resolve({ ...answer, body: "" });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let received = 0;
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(waiting);
      resolve({ ...answer, body: Buffer.concat(chunks).toString("utf8") });
    };
    // A stalled body after this is drained and bounded by the call's own timeout, but no longer awaited.
    const waiting = waitMs === undefined ? undefined : setTimeout(done, waitMs);
    response.on("data", (chunk: Buffer) => {
      const part = chunk.subarray(0, Math.max(0, keep - kept));
      kept += part.length;
      received += chunk.length;
      if (part.length > 0) chunks.push(part);
      // Once enough is kept the answer is known: the rest is drained, not waited for.
      if (kept >= keep) done();
      if (received > keep + MAX_DRAIN_BYTES) response.destroy();
    });
    response.on("error", (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(waiting);
      reject(error);
    });
    response.on("end", done);
  });
}

/** Reads and discards a response body, giving up on the connection beyond MAX_DRAIN_BYTES. */
function drain(response: http.IncomingMessage): void {
  let received = 0;
  response.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_DRAIN_BYTES) response.destroy();
  });
  // A body cut short after the answer changes nothing; without a listener it would be an uncaught error.
  response.on("error", () => {});
}

class TimeoutError extends Error {
  constructor() {
    super("timed out");
    this.name = "TimeoutError";
  }
}

class AbortedError extends Error {
  constructor(reason: unknown) {
    super("aborted", { cause: reason });
    this.name = "AbortedError";
  }
}

/**
 * Maps what went wrong on the way to an answer to its category's text; the
 * original error stays as the cause. Only the guard's refusal is permanent.
 */
function classifyFailure(error: unknown, messages: PostFailureTexts): Error {
  if (error instanceof PrivateNetworkError) {
    return new PermanentDeliveryError(messages.notAllowed, "rejected", { cause: error });
  }
  const transient = (kind: PostFailureKind) => new TransientDeliveryError(messages[kind], undefined, { cause: error });
  if (error instanceof TimeoutError) return transient("timedOut");
  if (error instanceof AbortedError) {
    // The worker's own budget is an AbortSignal.timeout: its end is a timeout, not a shutdown.
    const reason = error.cause;
    return transient(reason instanceof Error && reason.name === "TimeoutError" ? "timedOut" : "aborted");
  }
  const code = String((error as NodeJS.ErrnoException).code ?? "");
  if (code === "ECONNREFUSED") return transient("refused");
  if (code === "ETIMEDOUT" || code === "ESOCKETTIMEDOUT") return transient("timedOut");
  if (code === "ENOTFOUND" || code.startsWith("EAI_")) return transient("dns");
  if (isTlsFailure(error, code)) return transient("tls");
  return transient("failed");
}

/** Certificate and handshake failures: Node's ERR_TLS_*, OpenSSL's verify codes and SSL routines. */
function isTlsFailure(error: unknown, code: string): boolean {
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) || code === "EPROTO") return true;
  return typeof (error as { library?: unknown }).library === "string";
}
