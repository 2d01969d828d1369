import type { Channel, ChannelCatalog, ChannelTraits, TargetSource } from "../domain/channel.js";
import type { Content } from "../domain/content.js";
import { DeliveryStatus, type Notification } from "../domain/notification.js";
import {
  type ChannelPreferences,
  isDeliveryWanted,
  isRequiredCategory,
  type PreferencePolicy,
} from "../domain/preferences.js";
import { addressOf, type Recipient } from "../domain/recipient.js";
import { endpointMatches, type WebhookTarget } from "../domain/webhook-endpoint.js";
import type { QuietHours } from "../domain/workflow.js";
import type { NewDelivery } from "../store/delivery-store.js";
import { quietUntil } from "../workflows/quiet-hours.js";
import { newId } from "./new-id.js";

export interface PlanInput {
  notifications: Notification[];
  /** The request's channels; null means every channel the recipient can be reached on. */
  requested: readonly Channel[] | null;
  /** The channels this server offers, and what each is. */
  catalog: ChannelCatalog;
  scheduled: boolean;
  recipients: Map<string, Recipient>;
  endpoints: readonly WebhookTarget[];
  /** Channel preferences for the Send's category; absent users have none. */
  preferences: Map<string, ChannelPreferences>;
  /** The Send's tenant's required categories (the deployment's and its own) and default preferences. */
  policy: PreferencePolicy;
  /** Users' quiet hours; users without any are absent. */
  quietHours: Map<string, QuietHours>;
  /** Content of a channel for a recipient. */
  content: (channel: Channel, recipient: Recipient) => Content;
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
 * the recipient turned off is recorded as suppressed. Scheduled deliveries,
 * and those quiet hours hold until they end, wait in the outbox, where
 * preferences are checked again on release.
 */
export function planDeliveries(input: PlanInput): Plan {
  const channels = input.requested ?? [...input.catalog.keys()];
  const automatic = input.requested === null;
  const plan: Plan = { inbox: [], others: [], deliveries: [] };
  for (const n of input.notifications) {
    const recipient = input.recipients.get(n.userId) as Recipient;
    const prefs = input.preferences.get(n.userId);
    let inInbox = false;
    for (const channel of channels) {
      const traits = input.catalog.get(channel);
      if (traits === undefined) continue;
      const targets = traits.targets.flatMap((source) =>
        targetsOf(source, traits, recipient, n.category, input.endpoints),
      );
      if (targets.length === 0) {
        if (automatic) continue;
        targets.push(""); // asked for, cannot be met: the worker records why
      }
      const inbox = traits.targets.includes("inbox");
      const wanted = prefs === undefined || isDeliveryWanted(prefs, n, channel, input.policy);
      // Quiet hours hold a delivery that reaches the person until they end;
      // it waits in the outbox as a scheduled one does.
      const quietEnd = quietUntil(
        n.sendAt,
        recipient.timezone,
        input.quietHours.get(n.userId) ?? null,
        channel,
        n.priority === "critical" && isRequiredCategory(n.category, input.policy.requiredCategories),
      );
      const status: DeliveryStatus =
        input.scheduled || (wanted && quietEnd !== null)
          ? DeliveryStatus.scheduled
          : !wanted
            ? DeliveryStatus.suppressed
            : inbox
              ? DeliveryStatus.sent
              : DeliveryStatus.pending;
      if (inbox && status === DeliveryStatus.sent) inInbox = true;
      for (const target of new Set(targets)) {
        plan.deliveries.push({
          id: newId(),
          notificationId: n.id,
          channel,
          target,
          status,
          dueAt: quietEnd ?? n.sendAt,
          // The inbox holds the notification itself; others keep what they send.
          content: traits.content !== null && !inbox ? input.content(channel, recipient) : null,
          queue: status === DeliveryStatus.scheduled || status === DeliveryStatus.pending,
        });
      }
    }
    (inInbox ? plan.inbox : plan.others).push(n);
  }
  return plan;
}

/** The targets one source gives a channel: "" for the inbox or an address, device or endpoint ids. */
function targetsOf(
  source: TargetSource,
  { id: channel, devicePlatforms }: ChannelTraits,
  r: Recipient,
  category: string,
  endpoints: readonly WebhookTarget[],
): string[] {
  switch (source) {
    case "inbox":
      return [""];
    case "address":
      return addressOf(r, channel) === "" ? [] : [""];
    case "devices":
      return r.devices.filter((d) => devicePlatforms?.includes(d.platform) ?? true).map((d) => d.id);
    case "endpoints":
      return endpoints.filter((e) => e.channel === channel && endpointMatches(e.categories, category)).map((e) => e.id);
  }
}
