/**
 * How a provider call failed, as the dispatch worker needs to know it. Channel
 * senders throw these; anything else they throw counts as transient (an
 * unexpected error is more often a network hiccup than a poisoned message, and
 * the retry schedule bounds the cost of being wrong).
 */

/**
 * What an HTTP receiver answered to one attempt (webhooks), kept with the
 * attempt for ListWebhookAttempts and used for auto-disable.
 */
export interface HttpExchange {
  /** The webhook endpoint posted to. */
  endpointId: string;
  /** The HTTP status; 0 when no answer came (timeout, refused...). */
  statusCode: number;
  /** How long the call took, until the answer's body ended. */
  durationMs: number;
  /** The answer body's first <= 1024 bytes of UTF-8 (webhook-sender.ts cuts it). */
  responseExcerpt: string;
}

/** Worth trying again later: timeouts, refused connections, 408, 429, 5xx, SMTP 4xx. */
export class TransientDeliveryError extends Error {
  /** The provider that failed, when the channel names its providers (channels/failover.ts). */
  provider?: string;
  /** What the receiver answered, for channels that post to endpoints and keep it (webhooks). */
  exchange?: HttpExchange;

  constructor(
    message: string,
    /** The provider asked to wait this long (Retry-After); the worker waits at least this. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "TransientDeliveryError";
  }
}

/** What a permanent failure means for the target, beyond this one delivery. */
export type PermanentReason =
  /** Nothing more: this message cannot be delivered (bad address, 4xx, rejected content). */
  | "rejected"
  /** A push token the provider no longer knows: remove the device. */
  | "unregistered"
  /** A webhook endpoint answered 410 Gone: disable it. */
  | "gone";

/** Will fail the same way every time: stop at once. */
export class PermanentDeliveryError extends Error {
  /** The provider that refused, when the channel names its providers (channels/failover.ts). */
  provider?: string;
  /** What the receiver answered, for channels that post to endpoints and keep it (webhooks). */
  exchange?: HttpExchange;

  constructor(
    message: string,
    readonly reason: PermanentReason = "rejected",
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "PermanentDeliveryError";
  }
}

/** What a provider said when it accepted a message. */
export interface ProviderReceipt {
  /** The provider's id for the message (SMTP response id, Twilio SID, FCM name...). */
  providerMessageId: string;
  /** Which of the channel's providers accepted it (channels/failover.ts); absent for channels without named providers. */
  provider?: string;
  /** What the receiver answered, for channels that post to endpoints and keep it (webhooks). */
  exchange?: HttpExchange;
}
