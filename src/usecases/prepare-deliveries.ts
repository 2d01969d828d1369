import type { Channel, Notification, NotificationDraft } from "../domain/notification.js";
import { emptyRecipient } from "../domain/recipient.js";
import type { WebhookTarget } from "../domain/webhook-endpoint.js";
import type { Queryable } from "../store/database.js";
import type { PreferenceCache } from "../store/preference-cache.js";
import { recipientStore } from "../store/recipient-store.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import type { ContentRenderer } from "../templates/content-renderer.js";
import { type Plan, planDeliveries } from "./plan-deliveries.js";

export interface PrepareDeliveriesDeps {
  renderer: ContentRenderer;
  db: Queryable;
  endpoints: Pick<WebhookEndpointStore, "enabled">;
  preferences: Pick<PreferenceCache, "forCategory">;
  settings: { channels: readonly Channel[]; requiredCategories: readonly string[] };
}

const contactChannels: readonly Channel[] = ["email", "sms", "push"];

/**
 * Everything a Send reads before it writes: recipients' contact data and
 * locales, preferences, webhook endpoints, templates; then the rendered content
 * and the delivery plan. Reads only what the channels in play need, so an
 * in-app-only Send costs one preferences query. Throws InvalidArgumentError for
 * content it cannot render, before anything is written.
 */
export function createPrepareDeliveries(deps: PrepareDeliveriesDeps) {
  return async function prepareDeliveries(
    draft: NotificationDraft,
    notifications: Notification[],
    scheduled: boolean,
  ): Promise<Plan> {
    const requested = draft.channels.length > 0 ? draft.channels : null;
    const channels = requested ?? deps.settings.channels;
    const needRecipients = draft.templateKey !== "" || channels.some((c) => contactChannels.includes(c));
    const [render, recipients, endpoints, preferences] = await Promise.all([
      deps.renderer.forSend(draft),
      needRecipients
        ? recipientStore.forUsers(deps.db, draft.userIds)
        : new Map(draft.userIds.map((u) => [u, emptyRecipient(u)])),
      channels.includes("webhook") ? deps.endpoints.enabled(deps.db) : ([] as WebhookTarget[]),
      deps.preferences.forCategory(draft.userIds, draft.category),
    ]);
    if (channels.includes("in_app") && draft.templateKey !== "") {
      for (const n of notifications) {
        const recipient = recipients.get(n.userId);
        Object.assign(n, render("in_app", recipient?.locale ?? ""));
      }
    }
    return planDeliveries({
      notifications,
      requested,
      available: deps.settings.channels,
      scheduled,
      recipients,
      endpoints,
      preferences,
      requiredCategories: deps.settings.requiredCategories,
      content: (channel, recipient) => render(channel, recipient.locale),
    });
  };
}

export type PrepareDeliveries = ReturnType<typeof createPrepareDeliveries>;
