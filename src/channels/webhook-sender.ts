import {
  type HttpExchange,
  PermanentDeliveryError,
  type ProviderReceipt,
  TransientDeliveryError,
} from "../domain/delivery-errors.js";
import { createGuardedPost, type PostAnswer, PostFailure } from "./guarded-post.js";
import { checkWebhookUrl } from "./network-guard.js";
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
  /**
   * The endpoint's id: when given, the receipt or error carries the exchange
   * (status, duration, the answer's first 1 KiB) for the attempt's record.
   */
  endpointId?: string;
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

/** A receiver's own id for the delivery, reported as the receipt when it sends one. */
const RECEIPT_HEADER = "x-request-id";
/** Bytes of a receiver's answer kept with the attempt (ListWebhookAttempts). */
export const RESPONSE_EXCERPT_BYTES = 1024;

/** How long a 2xx/4xx/5xx answer's body is awaited for its excerpt: a stalled body is not a failed delivery. */
const EXCERPT_WAIT_MS = 1_000;

/**
 * Sends webhooks signed per Standard Webhooks over pooled keep-alive
 * connections, through the SSRF guard (guarded-post.ts). A failure with no
 * answer records a bare category ("timed out", "connection refused"...; see
 * PostFailure), as the contract documents at DeliveryAttempt.error.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const userAgent = options.userAgent ?? "Herald-Webhooks/1";
  const guard = { allowPrivateNetworks: options.allowPrivateNetworks };
  // The body says nothing a sender acts on; its beginning is kept for people (ListWebhookAttempts).
  const poster = createGuardedPost({
    allowPrivateNetworks: options.allowPrivateNetworks,
    timeoutMs: options.timeoutMs ?? 10_000,
    keepBodyBytes: RESPONSE_EXCERPT_BYTES,
    excerptWaitMs: EXCERPT_WAIT_MS,
  });

  async function send(message: WebhookMessage, signal?: AbortSignal): Promise<ProviderReceipt> {
    // Registration checked the URL already; this refuses one registered before the rules changed.
    if (checkWebhookUrl(message.url, guard) !== null) throw new PermanentDeliveryError(PostFailure.notAllowed);
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
    const started = performance.now();
    const exchange = (statusCode: number, responseBody: string): HttpExchange | undefined =>
      message.endpointId === undefined
        ? undefined
        : {
            endpointId: message.endpointId,
            statusCode,
            durationMs: performance.now() - started,
            responseExcerpt: responseExcerpt(responseBody),
          };
    let answer: PostAnswer;
    try {
      answer = await poster.post(
        message.url,
        body,
        {
          "content-type": "application/json",
          "user-agent": userAgent,
          "webhook-id": message.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signature,
        },
        signal,
      );
    } catch (error) {
      if (error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError) {
        error.exchange = exchange(0, "");
      }
      throw error;
    }
    const seen = exchange(answer.status, answer.body);
    try {
      const receipt = interpret(answer);
      return seen === undefined ? receipt : { ...receipt, exchange: seen };
    } catch (error) {
      if (error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError) error.exchange = seen;
      throw error;
    }
  }

  return { send, close: () => poster.close() };
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

/** Turns an HTTP answer into a receipt or the delivery error that says what to do next. */
function interpret({ status, headers }: PostAnswer): ProviderReceipt {
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

/**
 * What is kept of an answer's body: at most RESPONSE_EXCERPT_BYTES of UTF-8,
 * cut at a character boundary, without NUL (which Postgres text cannot hold).
 */
export function responseExcerpt(body: string): string {
  let text = body.replaceAll("\u0000", "");
  if (Buffer.byteLength(text) <= RESPONSE_EXCERPT_BYTES) return text;
  text = Buffer.from(text).subarray(0, RESPONSE_EXCERPT_BYTES).toString("utf8");
  // A character cut in two decodes as U+FFFD (3 bytes): drop characters until it fits.
  const chars = [...text];
  while (Buffer.byteLength(chars.join("")) > RESPONSE_EXCERPT_BYTES) chars.pop();
  return chars.join("");
}
