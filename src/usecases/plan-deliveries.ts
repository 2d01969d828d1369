import { v7 as uuidv7 } from "uuid";
import type { TemplatedChannel } from "../domain/content.js";
import { isTemplatedChannel } from "../domain/content.js";
import { type Channel, DeliveryStatus, type Notification } from "../domain/notification.js";
import { isDeliveryWanted, type Preferences } from "../domain/preferences.js";
import type { Recipient } from "../domain/recipient.js";
import { endpointMatches, type WebhookTarget } from "../domain/webhook-endpoint.js";
import type { NewDelivery } from "../store/delivery-store.js";

export interface PlanInput {
  notifications: Notification[];
  /** The request's channels; null means every channel the recipient can be reached on. */
  requested: readonly Channel[] | null;
  /** Channels this server delivers on. */
  available: readonly Channel[];
  scheduled: boolean;
  recipients: Map<string, Recipient>;
  endpoints: readonly WebhookTarget[];
  /** Preferences for the Send's category; absent users have none. */
  preferences: Map<string, Preferences>;
  requiredCategories: readonly string[];
  /** Content of a templated channel for a recipient. */
  content: (channel: TemplatedChannel, recipient: Recipient) => object;
}

export interface Plan {
  /** Notifications that go into the inbox now. */
  inbox: Notification[];
  /** Notifications that do not (scheduled, in-app off, or in-app not asked for). */
  others: Notification[];
  deliveries: NewDelivery[];
}

/**
 * Decides a Send's deliveries: which channels and targets each recipient gets,
 * and each delivery's fate. Channels asked for explicitly always get a
 * delivery (one that cannot succeed, for want of an address, fails visibly);
 * without a request, only channels the recipient can be reached on. A channel
 * the recipient turned off is recorded as suppressed. Scheduled deliveries
 * wait in the outbox, where preferences are checked again on release.
 */
export function planDeliveries(input: PlanInput): Plan {
  const channels = input.requested ?? input.available;
  const automatic = input.requested === null;
  const plan: Plan = { inbox: [], others: [], deliveries: [] };
  for (const n of input.notifications) {
    const recipient = input.recipients.get(n.userId) as Recipient;
    const prefs = input.preferences.get(n.userId);
    let inInbox = false;
    for (const channel of channels) {
      const targets = targetsOf(channel, recipient, n.category, input.endpoints);
      if (targets.length === 0) {
        if (automatic) continue;
        targets.push(""); // asked for, cannot be met: the worker records why
      }
      const wanted = prefs === undefined || isDeliveryWanted(prefs, n, channel, input.requiredCategories);
      const status: DeliveryStatus = input.scheduled
        ? DeliveryStatus.scheduled
        : !wanted
          ? DeliveryStatus.suppressed
          : channel === "in_app"
            ? DeliveryStatus.sent
            : DeliveryStatus.pending;
      if (channel === "in_app" && status === DeliveryStatus.sent) inInbox = true;
      for (const target of targets) {
        plan.deliveries.push({
          id: uuidv7(),
          notificationId: n.id,
          channel,
          target,
          status,
          dueAt: n.sendAt,
          content: isTemplatedChannel(channel) && channel !== "in_app" ? input.content(channel, recipient) : null,
          queue: status === DeliveryStatus.scheduled || status === DeliveryStatus.pending,
        });
      }
    }
    (inInbox ? plan.inbox : plan.others).push(n);
  }
  return plan;
}

function targetsOf(channel: Channel, r: Recipient, category: string, endpoints: readonly WebhookTarget[]): string[] {
  switch (channel) {
    case "in_app":
      return [""];
    case "email":
      return r.email === "" ? [] : [""];
    case "sms":
      return r.phone === "" ? [] : [""];
    case "push":
      return r.devices.map((d) => d.id);
    case "webhook":
      return endpoints.filter((e) => endpointMatches(e.categories, category)).map((e) => e.id);
  }
}
