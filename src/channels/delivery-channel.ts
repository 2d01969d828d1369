import type { DeliveryJob } from "../store/delivery-store.js";
import type { ProviderReceipt } from "./delivery-errors.js";

/**
 * One channel's delivery: turns a stored delivery (with its notification and
 * the content rendered at Send time) into a provider call. Throws
 * TransientDeliveryError or PermanentDeliveryError; the worker decides what
 * happens next.
 */
export interface DeliveryChannel {
  deliver(job: DeliveryJob, signal: AbortSignal): Promise<ProviderReceipt>;
  /** Releases pooled connections. */
  close?(): void;
}
