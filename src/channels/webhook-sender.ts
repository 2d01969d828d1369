import dns from "node:dns";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "./delivery-errors.js";
import { checkWebhookUrl, guardedLookup, PrivateNetworkError } from "./network-guard.js";
import { retryAfterMs } from "./provider-http.js";
import { signWebhook } from "./webhook-signature.js";

export interface WebhookSenderOptions {
  /** How long a receiver has to answer, from the start of the request to its status line; default 10000. */
  timeoutMs?: number;
  /** Lets webhooks reach loopback and private addresses and use plain http: development and tests only. */
  allowPrivateNetworks: boolean;
  /** The User-Agent header; default "Herald-Webhooks/1". */
  userAgent?: string;
}

export interface WebhookMessage {
  /** The endpoint, as registered. */
  url: string;
  /** current first; older still-valid ones after */
  secrets: string[];
  /** webhook-id: the delivery id, stable across retries so receivers de-duplicate */
  id: string;
  /** webhook-timestamp; default now. Receivers refuse old ones, so each attempt takes a fresh one. */
  timestamp?: Date;
  /** JSON body (serialised once, signed exactly as sent) */
  payload: unknown;
}

export interface WebhookSender {
  /**
   * POSTs one signed webhook. Resolves on a 2xx; otherwise throws a
   * PermanentDeliveryError (3xx, 4xx, private target; reason "gone" on 410) or
   * a TransientDeliveryError (timeout, network failure, 408, 429, 5xx, abort).
   */
  send(message: WebhookMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
  /** Closes the pooled connections. */
  close(): void;
}

/** What the receiver answered, before deciding what it means. */
interface WebhookAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * What a failed attempt records, and so what admin callers read in a
 * delivery's errors: a category, never an address, port or errno string, so
 * that registering endpoints and reading their errors cannot map the network
 * Herald runs in (which addresses answer, which ports are open). Answers
 * record `HTTP <status>`.
 */
export const WebhookFailure = {
  refused: "connection refused",
  timedOut: "timed out",
  tls: "TLS failed",
  dns: "DNS lookup failed",
  notAllowed: "refused: address not allowed",
  /** Reset, unreachable, closed before an answer: the rest of the network failures. */
  failed: "connection failed",
  /** The attempt was given up (shutdown). */
  aborted: "aborted",
} as const;

/** Bodies are only read to free the connection for reuse; a larger one costs a new connection instead. */
const MAX_DRAIN_BYTES = 64 * 1024;
/** A receiver's own id for the delivery, reported as the receipt when it sends one. */
const RECEIPT_HEADER = "x-request-id";

/**
 * Sends webhooks signed per Standard Webhooks over pooled keep-alive
 * connections. Redirects are never followed: the guard approved this URL, not
 * wherever a receiver points next.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userAgent = options.userAgent ?? "Herald-Webhooks/1";
  const guard = { allowPrivateNetworks: options.allowPrivateNetworks };
  const lookup: LookupFunction = options.allowPrivateNetworks ? dns.lookup : guardedLookup;
  // Idle sockets close before the usual 5 s server keep-alive, so a reused one is rarely already closed.
  const agents = {
    "http:": new http.Agent({ keepAlive: true, timeout: 4_000 }),
    "https:": new https.Agent({ keepAlive: true, timeout: 4_000 }),
  };

  async function send(message: WebhookMessage, signal?: AbortSignal): Promise<ProviderReceipt> {
    // Registration checked the URL already; this refuses one registered before the rules changed.
    if (checkWebhookUrl(message.url, guard) !== null) throw new PermanentDeliveryError(WebhookFailure.notAllowed);
    const body = serialise(message.payload);
    const timestamp = Math.floor((message.timestamp ?? new Date()).getTime() / 1000);
    let signature: string;
    try {
      signature = signWebhook(message.secrets, message.id, timestamp, body);
    } catch (error) {
      // A malformed secret or id fails the same way on every attempt.
      throw new PermanentDeliveryError(`webhook cannot be signed: ${(error as Error).message}`, "rejected", {
        cause: error,
      });
    }
    const url = new URL(message.url);
    const answer = await post(url, body, signal, {
      "content-type": "application/json",
      "user-agent": userAgent,
      "webhook-id": message.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    });
    return interpret(answer);
  }

  function post(url: URL, body: string, signal: AbortSignal | undefined, headers: Record<string, string>) {
    return new Promise<WebhookAnswer>((resolve, reject) => {
      const fail = (error: unknown) => reject(classifyFailure(error));
      if (signal?.aborted) return fail(new AbortedError(signal.reason));
      const transport = url.protocol === "https:" ? https : http;
      const request = transport.request(url, {
        method: "POST",
        agent: agents[url.protocol as keyof typeof agents],
        lookup,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      });
      // Also bounds draining the body after the answer, when it no longer changes the outcome.
      const timer = setTimeout(() => request.destroy(new TimeoutError()), timeoutMs);
      const onAbort = () => request.destroy(new AbortedError(signal?.reason));
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("close", () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      });
      // After an answer this rejects nothing (the promise is settled); the listener keeps errors from crashing.
      request.on("error", fail);
      request.on("response", (response) => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
        drain(response);
      });
      request.end(body);
    });
  }

  return {
    send,
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

/** The body exactly as it will be signed and sent. */
function serialise(payload: unknown): string {
  let body: string | undefined;
  try {
    body = JSON.stringify(payload);
  } catch (error) {
    throw new PermanentDeliveryError("webhook payload is not JSON-serialisable", "rejected", { cause: error });
  }
  if (body === undefined) throw new PermanentDeliveryError("webhook payload is not JSON-serialisable");
  return body;
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

/** Turns an HTTP answer into a receipt or the delivery error that says what to do next. */
function interpret({ status, headers }: WebhookAnswer): ProviderReceipt {
  if (status >= 200 && status < 300) {
    const receiverId = headers[RECEIPT_HEADER];
    return { providerMessageId: typeof receiverId === "string" && receiverId ? receiverId : `HTTP ${status}` };
  }
  const what = `HTTP ${status}`;
  if (status >= 300 && status < 400) throw new PermanentDeliveryError(`${what} (redirects are not followed)`);
  // 410 is the receiver saying the endpoint is gone for good: the caller disables it.
  if (status === 410) throw new PermanentDeliveryError(what, "gone");
  if (status === 408 || status === 429 || status >= 500) {
    throw new TransientDeliveryError(what, retryAfterMs(headers["retry-after"]));
  }
  if (status >= 400) throw new PermanentDeliveryError(what);
  // 1xx never arrives here (node handles it); anything stranger may be a proxy hiccup.
  throw new TransientDeliveryError(what);
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
 * Maps what went wrong on the way to an answer to a category (WebhookFailure);
 * the original error stays as the cause. Only the guard's refusal is permanent.
 */
function classifyFailure(error: unknown): Error {
  if (error instanceof PrivateNetworkError) {
    return new PermanentDeliveryError(WebhookFailure.notAllowed, "rejected", { cause: error });
  }
  const transient = (message: string) => new TransientDeliveryError(message, undefined, { cause: error });
  if (error instanceof TimeoutError) return transient(WebhookFailure.timedOut);
  if (error instanceof AbortedError) {
    const reason = error.cause;
    const timedOut = reason instanceof Error && reason.name === "TimeoutError";
    return transient(timedOut ? WebhookFailure.timedOut : WebhookFailure.aborted);
  }
  const code = String((error as NodeJS.ErrnoException).code ?? "");
  if (code === "ECONNREFUSED") return transient(WebhookFailure.refused);
  if (code === "ETIMEDOUT" || code === "ESOCKETTIMEDOUT") return transient(WebhookFailure.timedOut);
  if (code === "ENOTFOUND" || code.startsWith("EAI_")) return transient(WebhookFailure.dns);
  if (isTlsFailure(error, code)) return transient(WebhookFailure.tls);
  return transient(WebhookFailure.failed);
}

/** Certificate and handshake failures: Node's ERR_TLS_*, OpenSSL's verify codes and SSL routines. */
function isTlsFailure(error: unknown, code: string): boolean {
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) || code === "EPROTO") return true;
  return typeof (error as { library?: unknown }).library === "string";
}
