import { laneOf } from "../domain/lane.js";
import type { Channel } from "../domain/notification.js";
import { DeliveryStatus, type NotificationDraft } from "../domain/notification.js";
import type { Queryable } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import type { DeliverStep, StepDelivery } from "../workflows/engine.js";
import type { PrepareDeliveries } from "./prepare-deliveries.js";

/**
 * A workflow's deliver step, on the path every delivery takes: the same
 * planning and rendering as Send (targets, addresses, devices, endpoints,
 * templates in the recipient's locale), then deliveries and outbox rows in
 * the firing transaction. Deliveries are queued as scheduled, so preferences
 * are checked again when a worker takes them, as for any scheduled
 * notification; in-app goes into the inbox the same way. After a digest step
 * the content is rendered once, with the collected notifications in `events`.
 */
export function createWorkflowDeliveries(deps: { prepare: PrepareDeliveries }): DeliverStep {
  return async function deliverStep(tx: Queryable, d: StepDelivery): Promise<Channel[]> {
    const n = d.notification;
    const data = d.events === null ? n.data : { ...(n.data ?? {}), events: d.events, event_count: d.events.length };
    const draft: NotificationDraft = {
      userIds: [n.userId],
      category: n.category,
      ...digestDefaults(n.title, n.body, d.events),
      actionUrl: n.actionUrl,
      data,
      priority: n.priority,
      templateKey: d.templateKey,
      channels: d.channels,
      idempotencyKey: "",
      sendAt: null,
      workflow: "",
      cancellationKey: "",
    };
    // The inbox keeps the notification as Send stored it: rendering must not
    // change the in-memory copy other steps read.
    // Reads on the firing transaction: it holds timer locks, and MarkRead
    // waits on them holding connections of its own, so waiting for another
    // connection from the pool here could wait for ever.
    const { recipient, quietHours } = d.people;
    const plan = await deps.prepare(n.tenantId, draft, [{ ...n }], true, tx, {
      recipients: new Map([[n.userId, recipient]]),
      quietHours: new Map(quietHours === null ? [] : [[n.userId, quietHours]]),
    });
    const suppressed = d.suppressedReason !== "";
    const deliveries = plan.deliveries.map((x) => ({
      ...x,
      status: suppressed ? DeliveryStatus.suppressed : x.status,
      queue: !suppressed && x.queue,
      reason: d.suppressedReason,
    }));
    return deliveryStore.add(tx, n.tenantId, deliveries, laneOf(n.priority), d.trace);
  };
}

/** A digest without a template of its own says how many it holds and lists their titles. */
function digestDefaults(title: string, body: string, events: StepDelivery["events"]) {
  if (events === null || events.length <= 1) return { title, body };
  const more = events.length - 1;
  return {
    title: `${title} (and ${more} more)`.slice(0, 200),
    body: events
      .map((e) => `• ${e.title}`)
      .join("\n")
      .slice(0, 5000),
  };
}
