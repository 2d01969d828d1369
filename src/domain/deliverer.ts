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
}

/**
 * One channel's delivery: turns a stored delivery (with its notification and
 * the content rendered at Send time) into a provider call. Throws
 * TransientDeliveryError or PermanentDeliveryError (domain/delivery-errors.ts);
 * the delivery use case decides what happens next.
 */
export interface Deliverer {
  deliver(job: DeliveryJob, signal: AbortSignal): Promise<ProviderReceipt>;
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
