import type { DeliveryChannel } from "../channels/delivery-channel.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../channels/delivery-errors.js";
import type { DeliveryMessage } from "../contract/delivery-message.js";
import type { Disposition } from "../dispatch/delivery-worker.js";
import type { RetryPolicy } from "../dispatch/retry-policy.js";
import type { Channel, Notification } from "../domain/notification.js";
import type { DeliveryStore } from "../store/delivery-store.js";

export interface DeliverMessageDeps {
  deliveries: DeliveryStore;
  /** The channels this process delivers on (in-app is handled by releaseInApp). */
  channels: Partial<Record<Channel, DeliveryChannel>>;
  /** Whether the recipient (still) wants this notification on this channel. */
  isWanted: (notification: Notification, channel: Channel) => Promise<boolean>;
  /** Puts a dead delivery on the dead-letter stream. */
  deadLetter: (message: DeliveryMessage) => Promise<void>;
  /** Reports each outcome (metrics); seconds is how long the provider call took. */
  observe?: (channel: Channel, outcome: "sent" | "suppressed" | "retry" | "dead", seconds?: number) => void;
  timing: RetryPolicy & {
    /** How long one attempt may hold a delivery (longer than timeoutMs). */
    leaseMs: number;
    /** Longest a provider call may take. */
    timeoutMs: number;
  };
}

const settled = new Set(["sent", "suppressed", "canceled", "dead"]);

/**
 * Makes one delivery from a JetStream message: skips deliveries that are
 * settled (so redeliveries never reach the provider twice), re-checks
 * preferences, leases the delivery, calls the provider, and records the
 * attempt. Transient failures come back after the retry schedule's wait; when
 * attempts run out, or a failure is permanent, the delivery is dead and goes to
 * the dead-letter stream.
 */
export function createDeliverMessage(deps: DeliverMessageDeps) {
  return async function deliverMessage(message: DeliveryMessage): Promise<Disposition> {
    const job = await deps.deliveries.job(message.deliveryId);
    if (job === null || settled.has(job.delivery.status)) return { ack: true };
    const { delivery, notification } = job;
    if (!(await deps.isWanted(notification, delivery.channel))) {
      await deps.deliveries.settle(delivery.id, "suppressed");
      deps.observe?.(delivery.channel, "suppressed");
      return { ack: true };
    }
    const lease = await deps.deliveries.lease(delivery.id, deps.timing.leaseMs);
    if (lease === null) {
      // Another worker holds it (a redelivery raced the first copy): look again
      // once that worker's lease could have run out.
      return { retryInMs: deps.timing.leaseMs };
    }

    const channel = deps.channels[delivery.channel];
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      if (channel === undefined) throw new PermanentDeliveryError(`the ${delivery.channel} channel is not configured`);
      const receipt = await channel.deliver(job, AbortSignal.timeout(deps.timing.timeoutMs));
      await deps.deliveries.recordSent(delivery.id, lease, receipt.providerMessageId);
      deps.observe?.(delivery.channel, "sent", seconds());
      return { ack: true };
    } catch (error) {
      const permanent = error instanceof PermanentDeliveryError;
      const retryAfterMs = error instanceof TransientDeliveryError ? error.retryAfterMs : undefined;
      const delay = permanent ? null : deps.timing.delayAfter(lease.generationAttempts, retryAfterMs);
      const text = error instanceof Error ? error.message : String(error);
      await deps.deliveries.recordFailure(delivery.id, lease, {
        permanent,
        dead: delay === null,
        error: text,
        nextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
      });
      deps.observe?.(delivery.channel, delay === null ? "dead" : "retry", seconds());
      if (delay !== null) return { retryInMs: delay };
      await deps.deadLetter({ ...message, generation: message.generation, error: text });
      return { ack: true };
    }
  };
}
