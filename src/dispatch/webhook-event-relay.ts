import { v7 as uuidv7 } from "uuid";
import { webhookEventPayload } from "../contract/webhook-event.js";
import { laneOf } from "../domain/lane.js";
import { endpointMatches } from "../domain/webhook-endpoint.js";
import type { Database } from "../store/database.js";
import { type EventDelivery, webhookEventRelayStore } from "../store/webhook-event-relay-store.js";
import type { Metrics } from "../telemetry/metrics.js";
import type { SchedulerTask } from "./scheduler.js";

export interface WebhookEventRelayOptions {
  db: Database;
  /** Most event seqs handled in one round (one transaction); bounds the round's memory. */
  batch: number;
  /** Pause between rounds once the relay caught up with the log. */
  intervalMs: number;
  /** Told when a round queued deliveries (to kick the outbox relay). */
  onQueued?: () => void;
}

/**
 * Posts the event log to webhook endpoints: each round takes the relay's
 * cursor (one round at a time across the cluster: the cursor row's lock,
 * SKIP LOCKED, so a second process's round just finds nothing to do), reads
 * the next `batch` numbered events, and for each one writes a pending
 * `webhook` delivery per enabled endpoint of its tenant subscribed to its
 * type (and whose categories take the notification's category), queued in
 * the outbox, and moves the cursor, all in one transaction. A crash before
 * the commit leaves the cursor where it was and writes nothing; after it,
 * everything. From the outbox on, an event's delivery is like any webhook
 * delivery: retries, dead letters, ListWebhookAttempts, auto-disable, rate
 * limit and ReplayWebhookEvents. Its body is rendered here, once, so every
 * attempt and replay posts the same bytes under the same webhook-id (the
 * delivery id, one per event and endpoint).
 *
 * A round returns true when the log holds more after it.
 */
export function createWebhookEventRelay(options: WebhookEventRelayOptions): {
  task: SchedulerTask;
  registerGauges(metrics: Metrics): void;
} {
  async function relayWebhookEvents(): Promise<boolean> {
    const round = await options.db.transaction(async (tx) => {
      const cursor = await webhookEventRelayStore.claim(tx);
      if (cursor === null) return { more: false, written: 0 };
      const page = await webhookEventRelayStore.page(tx, cursor, options.batch);
      if (page.through <= cursor) return { more: false, written: 0 };
      const deliveries: EventDelivery[] = page.matches
        .filter((m) => m.category === "" || endpointMatches(m.endpointCategories, m.category))
        .map((m) => ({
          id: uuidv7(),
          tenantId: m.event.tenantId,
          notificationId: m.notificationId,
          endpointId: m.endpointId,
          eventSeq: m.event.seq,
          lane: laneOf(m.priority),
          payload: webhookEventPayload(m.event),
        }));
      const written = await webhookEventRelayStore.write(tx, deliveries, page.through);
      return { more: page.through < page.head, written };
    });
    if (round.written > 0) options.onQueued?.();
    return round.more;
  }
  return {
    task: { name: "webhook-event-relay", everyMs: options.intervalMs, run: relayWebhookEvents },
    registerGauges(metrics) {
      metrics.polledGauge(
        "herald_webhook_event_relay_lag",
        "Numbered events the webhook event relay has not handled yet (retention keeps them).",
        () => webhookEventRelayStore.lag(options.db),
      );
    },
  };
}
