import type { ProviderReceipt } from "../domain/delivery-errors.js";
import type { Channel, Delivery, Notification } from "./notification.js";

/** What a worker needs to make a delivery. */
export interface DeliveryJob {
  delivery: Delivery;
  notification: Notification;
  /** What to send, rendered at Send time; null for channels that send the notification itself (webhooks). */
  content: Record<string, string> | null;
  /** The recipient's current address on the delivery's channel ("" for none), read with the delivery. */
  address: string;
  /**
   * The event-log seq a webhook delivery carries (its body is `content`,
   * rendered by the webhook event relay); 0 or absent for a notification's
   * own delivery.
   */
  eventSeq?: number;
}

/** Whether a delivery may be attempted now, as a channel sees its target. */
export type Admission =
  /** Attempt it now. */
  | { kind: "go" }
  /** Not yet (a rate limit): come back after this long; no attempt is counted. */
  | { kind: "wait"; afterMs: number }
  /** Never: settle it as canceled, with this reason (a disabled endpoint). */
  | { kind: "cancel"; reason: string };

/**
 * One channel's delivery: turns a stored delivery (with its notification and
 * the content rendered at Send time) into a provider call. Throws
 * TransientDeliveryError or PermanentDeliveryError (domain/delivery-errors.ts);
 * the delivery use case decides what happens next.
 */
export interface Deliverer {
  deliver(job: DeliveryJob, signal: AbortSignal): Promise<ProviderReceipt>;
  /**
   * Asked before a delivery is leased (absent: always go): a channel whose
   * target can be switched off or limited (webhook endpoints) says to wait or
   * to cancel, so that neither costs an attempt.
   */
  admit?(job: DeliveryJob): Promise<Admission>;
  /**
   * Most provider calls one attempt makes (failover tries each provider once;
   * default 1): the attempt may take this many DELIVERY_TIMEOUT_MS, and its
   * lease is sized to match.
   */
  readonly calls?: number;
  /** Releases pooled connections. */
  close?(): void;
}

/** A channel's deliverer, by channel. */
export type Deliverers = Partial<Record<Channel, Deliverer>>;
