/**
 * How a provider call failed, as the dispatch worker needs to know it. Channel
 * senders throw these; anything else they throw counts as transient (an
 * unexpected error is more often a network hiccup than a poisoned message, and
 * the retry schedule bounds the cost of being wrong).
 */

/** Worth trying again later: timeouts, refused connections, 408, 429, 5xx, SMTP 4xx. */
export class TransientDeliveryError extends Error {
  /** The provider that failed, when the channel names its providers (channels/failover.ts). */
  provider?: string;

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
}
