import type { ChannelCatalog } from "../domain/channel.js";
import type { Notification, NotificationDraft } from "../domain/notification.js";
import { type ChannelPreferences, preferencePolicy } from "../domain/preferences.js";
import { emptyRecipient, type Recipient } from "../domain/recipient.js";
import { withTemplateExtras } from "../domain/tags-and-actions.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import type { WebhookTarget } from "../domain/webhook-endpoint.js";
import type { QuietHours } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import type { PreferenceCache } from "../store/preference-cache.js";
import { quietHoursStore } from "../store/quiet-hours-store.js";
import { recipientStore } from "../store/recipient-store.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import type { ContentRenderer } from "../templates/content-renderer.js";
import { type Plan, planDeliveries } from "./plan-deliveries.js";

export interface PrepareDeliveriesDeps {
  renderer: ContentRenderer;
  db: Queryable;
  endpoints: Pick<WebhookEndpointStore, "enabled">;
  preferences: Pick<PreferenceCache, "forCategory">;
  /** The channels this server offers, and what each is. */
  catalog: ChannelCatalog;
  /** The deployment's REQUIRED_CATEGORIES. */
  requiredCategories: readonly string[];
  /** A tenant's settings (its required categories and default preferences); undefined: none. */
  tenantSettings: (tenantId: string) => TenantSettings | undefined;
}

/**
 * Everything a Send reads before it writes: recipients' addresses, devices and
 * locales, preferences, endpoints, templates; then the rendered content and
 * the delivery plan. Reads only what the channels in play need, so an
 * in-app-only Send costs one preferences query. Throws InvalidArgumentError for
 * content it cannot render, before anything is written. `q` is where the
 * reads go: the pool, or the transaction of a workflow step (which holds
 * timer locks and must not wait for a second connection); `known` gives
 * recipients and quiet hours read already.
 */
export function createPrepareDeliveries(deps: PrepareDeliveriesDeps) {
  return async function prepareDeliveries(
    tenantId: string,
    draft: NotificationDraft,
    notifications: Notification[],
    scheduled: boolean,
    q: Queryable = deps.db,
    known?: { recipients: Map<string, Recipient>; quietHours: Map<string, QuietHours> },
  ): Promise<Plan> {
    const requested = draft.channels.length > 0 ? draft.channels : null;
    const channels = requested ?? [...deps.catalog.keys()];
    const sources = new Set(channels.flatMap((c) => deps.catalog.get(c)?.targets ?? []));
    const needPeople = sources.has("address") || sources.has("devices");
    const needRecipients = draft.templateKey !== "" || needPeople;
    // Scheduled deliveries check preferences when they are released, not now.
    // On the pool the reads run side by side; on a transaction's single
    // connection, one after the other.
    const reads = [
      () => deps.renderer.forSend(tenantId, draft, q),
      () =>
        known !== undefined
          ? Promise.resolve(known.recipients)
          : needRecipients
            ? recipientStore.forUsers(q, tenantId, draft.userIds)
            : Promise.resolve(new Map(draft.userIds.map((u) => [u, emptyRecipient(u)]))),
      () => (sources.has("endpoints") ? deps.endpoints.enabled(q, tenantId) : Promise.resolve([] as WebhookTarget[])),
      () =>
        scheduled
          ? Promise.resolve(new Map<string, ChannelPreferences>())
          : deps.preferences.forCategory(tenantId, draft.userIds, draft.category),
      // Quiet hours hold only channels that reach a person, which all read recipients.
      () =>
        known !== undefined
          ? Promise.resolve(known.quietHours)
          : needPeople
            ? quietHoursStore.forUsers(q, tenantId, draft.userIds)
            : Promise.resolve(new Map<string, QuietHours>()),
    ] as const;
    const [render, recipients, endpoints, preferences, quietHours] = (
      q === deps.db ? await Promise.all(reads.map((read) => read())) : await inOrder(reads)
    ) as [
      Awaited<ReturnType<(typeof reads)[0]>>,
      Awaited<ReturnType<(typeof reads)[1]>>,
      Awaited<ReturnType<(typeof reads)[2]>>,
      Awaited<ReturnType<(typeof reads)[3]>>,
      Awaited<ReturnType<(typeof reads)[4]>>,
    ];
    // The inbox shows the notification itself: a template's in-app parts become its title and body.
    const inbox = channels.find((c) => deps.catalog.get(c)?.targets.includes("inbox"));
    if (inbox !== undefined && draft.templateKey !== "") {
      for (const n of notifications) {
        const content = render(inbox, recipients.get(n.userId)?.locale ?? "");
        const { title, body } = content;
        Object.assign(n, { title: title ?? n.title, body: body ?? n.body });
        Object.assign(n, withTemplateExtras(n, content, draft.templateKey));
      }
    }
    return planDeliveries({
      notifications,
      requested,
      catalog: deps.catalog,
      scheduled,
      recipients,
      endpoints,
      preferences,
      policy: preferencePolicy(deps.requiredCategories, deps.tenantSettings(tenantId)),
      quietHours,
      content: (channel, recipient) => render(channel, recipient.locale),
    });
  };
}

export type PrepareDeliveries = ReturnType<typeof createPrepareDeliveries>;

/** Runs reads one after the other (on one connection); resolves with their results in order. */
async function inOrder(reads: ReadonlyArray<() => Promise<unknown>>): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const read of reads) results.push(await read());
  return results;
}
