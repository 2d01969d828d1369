import webpush from "web-push";
import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";
import type { WebPushKeys } from "../domain/recipient.js";
import { createGuardedPost, type PostAnswer } from "./guarded-post.js";
import { retryAfterMs } from "./provider-http.js";
import type { VapidKeys } from "./vapid.js";

export interface WebPushSenderOptions {
  vapid: VapidKeys;
  /** ms for each push service request, answer included. */
  timeoutMs: number;
  /** Lets endpoints be loopback or private, over plain http: tests and development only (the webhooks' switch). */
  allowPrivateNetworks: boolean;
}

/** One push message for one browser subscription. */
export interface WebPushMessage {
  endpoint: string;
  keys: WebPushKeys;
  /** The plaintext the service worker receives (encrypted here, RFC 8291 aes128gcm). */
  payload: string;
  /** How long the push service may keep it for a browser that is offline (RFC 8030 TTL). */
  ttlSeconds: number;
  /** RFC 8030 Urgency: how eagerly a device on battery is woken. */
  urgency: "very-low" | "low" | "normal" | "high";
}

/** Sends Web Push messages straight to browsers' push services (no relay). */
export interface WebPushSender {
  /**
   * Resolves once the push service accepted the message (the receipt holds
   * its Location, the message's URL there). Rejects with TransientDeliveryError
   * or PermanentDeliveryError only; reason "unregistered" means the
   * subscription is gone and its device should be removed.
   */
  send(message: WebPushMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
  close(): void;
}

/** Creates a sender: the web-push library encrypts and signs, Herald's guarded post carries. */
export function createWebPushSender(options: WebPushSenderOptions): WebPushSender {
  // The endpoint came from an API caller: it goes through the SSRF guard, like a webhook URL.
  const poster = createGuardedPost({
    allowPrivateNetworks: options.allowPrivateNetworks,
    timeoutMs: options.timeoutMs,
    keepBodyBytes: 512,
    label: "push service request",
  });
  const vapidDetails = {
    subject: options.vapid.subject,
    publicKey: options.vapid.publicKey,
    privateKey: options.vapid.privateKey,
  };
  return {
    async send(message, signal) {
      const request = encrypt(message, vapidDetails);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        // The poster sets content-length itself, from the body it sends.
        if (name.toLowerCase() !== "content-length") headers[name] = String(value);
      }
      const answer = await poster.post(message.endpoint, request.body, headers, signal);
      if (answer.status >= 200 && answer.status < 300) {
        return { providerMessageId: headerOf(answer, "location") };
      }
      throw toDeliveryError(answer);
    },
    close: () => poster.close(),
  };
}

/** The encrypted, signed request; keys that cannot encrypt (checked at registration, so rare) fail for good. */
function encrypt(message: WebPushMessage, vapidDetails: webpush.VapidKeys & { subject: string }) {
  try {
    return webpush.generateRequestDetails({ endpoint: message.endpoint, keys: message.keys }, message.payload, {
      vapidDetails,
      TTL: message.ttlSeconds,
      urgency: message.urgency,
      contentEncoding: "aes128gcm",
    });
  } catch (error) {
    throw new PermanentDeliveryError(
      `the subscription cannot be encrypted for: ${(error as Error).message}`,
      "rejected",
      {
        cause: error,
      },
    );
  }
}

function headerOf(answer: PostAnswer, name: string): string {
  const value = answer.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/**
 * Maps a push service's refusal (RFC 8030 section 5, and what Mozilla's,
 * Google's and Apple's services document): 404 and 410 mean the subscription
 * expired or the user revoked it, so it is removed; 408, 429 and 5xx are worth
 * another try (after Retry-After); 400 (bad request), 413 (payload too large),
 * 401/403 (a VAPID key the subscription was not made with) and any other 4xx
 * would fail the same way again, as would a redirect. The endpoint is a capability URL: it never
 * appears in the message.
 */
function toDeliveryError(answer: PostAnswer): Error {
  const { status } = answer;
  const detail = answer.body.replace(/\s+/g, " ").trim().slice(0, 200);
  const what = `push service answered ${status}${detail === "" ? "" : `: ${detail}`}`;
  if (status === 404 || status === 410) return new PermanentDeliveryError(what, "unregistered");
  if (status === 408 || status === 429 || status >= 500) {
    return new TransientDeliveryError(what, retryAfterMs(headerOf(answer, "retry-after") || undefined));
  }
  // Any other 4xx, and 3xx: redirects are not followed (the guard approved this URL only).
  return new PermanentDeliveryError(what, "rejected");
}
