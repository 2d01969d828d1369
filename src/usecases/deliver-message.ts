import type { Deliverers } from "../domain/deliverer.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../domain/delivery-errors.js";
import type { DeadLetter, DeliveryOutcome } from "../domain/delivery-outcome.js";
import type { Channel, Notification } from "../domain/notification.js";
import { isDeliveryWanted, preferencePolicy } from "../domain/preferences.js";
import type { RetryPolicy } from "../domain/retry-policy.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import { type AttemptJournal, createAttemptJournal } from "../store/attempt-journal.js";
import { attemptStore } from "../store/attempt-store.js";
import type { Database } from "../store/database.js";
import { feedLog } from "../store/feed-log.js";
import type { PreferenceCache } from "../store/preference-cache.js";
import { isExpired } from "./expire-notifications.js";
import { type PublishFeedEvents, placeInInbox } from "./inbox-placement.js";

/** A queued delivery to make (what dispatch decoded from its queue). */
export interface QueuedDelivery {
  deliveryId: string;
  notificationId: string;
  channel: Channel;
  generation: number;
}

export interface DeliverMessageDeps {
  db: Database;
  /** The channels this process delivers on (in-app is a write to the inbox, done here). */
  deliverers: Deliverers;
  preferences: Pick<PreferenceCache, "forCategory">;
  /** Categories (and those below them) whose critical notifications ignore opt-outs. */
  requiredCategories: readonly string[];
  /** A tenant's settings: its own required categories (on top of those) and default preferences; undefined: none. */
  tenantSettings: (tenantId: string) => TenantSettings | undefined;
  /** Puts a dead delivery's letter where operators find it; must not resolve before it is stored. */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  /** Tells live streams about scheduled in-app notifications that went into inboxes. */
  publish: PublishFeedEvents;
  /** Reports each outcome (metrics); seconds is how long the provider call took. */
  observe?: (channel: Channel, outcome: "sent" | "suppressed" | "retry" | "dead", seconds?: number) => void;
  /** Where leases and attempt results go; default: batched statements on `db` (store/attempt-journal.ts). */
  journal?: AttemptJournal;
  timing: RetryPolicy & {
    /** Least time one attempt holds a delivery (longer than timeoutMs; more when a channel makes several calls). */
    leaseMs: number;
    /** Longest a provider call may take. */
    timeoutMs: number;
  };
}

const settled = new Set(["sent", "suppressed", "canceled", "dead"]);

/** How soon a delivery whose dead letter could not be stored comes back. */
const deadLetterRetryMs = 5_000;

/**
 * Makes one queued delivery: skips deliveries that are settled (so redeliveries
 * never reach the provider twice), re-checks preferences, leases the delivery,
 * calls the provider, and records the attempt. Transient failures come back
 * after the retry schedule's wait; when attempts run out, or a failure is
 * permanent, the delivery is dead: its dead letter goes out first and the
 * status after, so a crash between the two leaves a delivery that is tried
 * once more, never a dead one without its letter. A scheduled in-app delivery
 * is a write: the notification goes into the inbox, with its status, in one
 * transaction. The read, the lease and the result each share their statement
 * (and commit) with other deliveries' (store/attempt-journal.ts says why that
 * is as safe as a statement each).
 */
export function createDeliverMessage(deps: DeliverMessageDeps) {
  const journal = deps.journal ?? createAttemptJournal(deps.db);
  const isWanted = async (n: Notification, channel: Channel) => {
    const prefs = (await deps.preferences.forCategory(n.tenantId, [n.userId], n.category)).get(n.userId);
    return (
      prefs === undefined ||
      isDeliveryWanted(prefs, n, channel, preferencePolicy(deps.requiredCategories, deps.tenantSettings(n.tenantId)))
    );
  };

  async function releaseInApp(message: QueuedDelivery): Promise<DeliveryOutcome> {
    const job = await journal.job(message.deliveryId);
    if (job === null || settled.has(job.delivery.status)) return { kind: "done" };
    const wanted = await isWanted(job.notification, "in_app");
    const n = job.notification;
    const events = await deps.db.transaction(async (tx) => {
      if (n.expireAt != null) {
        // The head first, as the expiry sweep takes it (expire-notifications.ts):
        // the sweep then either expired it before (its delivery is canceled
        // and settle() below finds nothing) or finds it placed afterwards.
        await feedLog.lock(tx, n.tenantId, n.userId);
        if (isExpired(n, new Date())) {
          await attemptStore.settle(tx, message.deliveryId, "canceled", "expired");
          return [];
        }
      }
      // settle() changes only a waiting delivery: if another worker got here
      // first, nothing is placed twice.
      if (!(await attemptStore.settle(tx, message.deliveryId, wanted ? "sent" : "suppressed"))) return [];
      return wanted ? placeInInbox(tx, [job.notification], new Date()) : [];
    });
    deps.publish(events);
    deps.observe?.("in_app", wanted ? "sent" : "suppressed");
    return { kind: "done" };
  }

  return async function deliverMessage(message: QueuedDelivery): Promise<DeliveryOutcome> {
    if (message.channel === "in_app") return releaseInApp(message);
    const job = await journal.job(message.deliveryId);
    if (job === null || settled.has(job.delivery.status)) return { kind: "done" };
    const { delivery, notification } = job;
    // An event's webhook goes to the tenant's endpoint, not to the user: the
    // user's preferences and the notification's expiry (notification.expired
    // is itself an event) do not hold it back.
    const forEvent = (job.eventSeq ?? 0) > 0;
    if (!forEvent && isExpired(notification, new Date())) {
      // Never delivered after its expiry, whether the sweep canceled it yet or not.
      await attemptStore.settle(deps.db, delivery.id, "canceled", "expired");
      return { kind: "done" };
    }
    if (!forEvent && !(await isWanted(notification, delivery.channel))) {
      await attemptStore.settle(deps.db, delivery.id, "suppressed");
      deps.observe?.(delivery.channel, "suppressed");
      return { kind: "done" };
    }
    const deliverer = deps.deliverers[delivery.channel];
    const admission = (await deliverer?.admit?.(job)) ?? { kind: "go" };
    if (admission.kind === "wait") return { kind: "retry", afterMs: admission.afterMs };
    if (admission.kind === "cancel") {
      await attemptStore.settle(deps.db, delivery.id, "canceled", admission.reason);
      return { kind: "done" };
    }
    // Failover may call several providers in one attempt, each with the full timeout.
    const budgetMs = deps.timing.timeoutMs * Math.max(1, deliverer?.calls ?? 1);
    const holdMs = Math.max(deps.timing.leaseMs, 2 * budgetMs);
    const lease = await journal.lease(delivery.id, holdMs);
    if (lease === null) {
      // Another worker holds it (a redelivery raced the first copy): look again
      // once that worker's lease could have run out.
      return { kind: "retry", afterMs: holdMs };
    }

    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      if (deliverer === undefined) {
        throw new PermanentDeliveryError(`the ${delivery.channel} channel is not configured`);
      }
      const receipt = await deliverer.deliver(job, AbortSignal.timeout(budgetMs));
      await journal.recordSent(delivery.id, lease, receipt);
      deps.observe?.(delivery.channel, "sent", seconds());
      return { kind: "done" };
    } catch (error) {
      const permanent = error instanceof PermanentDeliveryError;
      const known = error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError;
      const retryAfterMs = error instanceof TransientDeliveryError ? error.retryAfterMs : undefined;
      const delay = permanent ? null : deps.timing.delayAfter(lease.generationAttempts, retryAfterMs);
      const text = error instanceof Error ? error.message : String(error);
      const provider = known ? (error.provider ?? "") : "";
      if (delay === null) {
        try {
          await deps.deadLetter({ ...message, channel: message.channel, error: text });
        } catch (letterError) {
          // Not dead until its letter is kept: the attempt is recorded as failed
          // and the delivery comes back (one more provider call, which may even
          // succeed), so no failure between the two can lose the letter.
          const why = letterError instanceof Error ? letterError.message : String(letterError);
          await journal.recordFailure(delivery.id, lease, {
            provider,
            permanent,
            dead: false,
            error: `${text} (its dead letter could not be stored: ${why}; trying again)`,
            nextAttemptAt: new Date(Date.now() + deadLetterRetryMs),
          });
          deps.observe?.(delivery.channel, "retry", seconds());
          return { kind: "retry", afterMs: deadLetterRetryMs };
        }
      }
      await journal.recordFailure(delivery.id, lease, {
        provider,
        permanent,
        dead: delay === null,
        error: text,
        nextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
        ...(known && error.exchange !== undefined && { exchange: error.exchange }),
      });
      deps.observe?.(delivery.channel, delay === null ? "dead" : "retry", seconds());
      return delay === null ? { kind: "dead", reason: text } : { kind: "retry", afterMs: delay };
    }
  };
}
