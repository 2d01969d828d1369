import type { Channel, ChannelCatalog } from "../domain/channel.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import {
  DEFAULT_WEBHOOK_EVENT_TYPES,
  ENDPOINT_DISABLED_REASON,
  type WebhookEndpoint,
} from "../domain/webhook-endpoint.js";
import type { Queryable } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import {
  type EndpointChange,
  type EndpointFields,
  publicEndpoint,
  type WebhookEndpointStore,
} from "../store/webhook-endpoint-store.js";
import { requireScope } from "./access.js";
import { generateWebhookSecret } from "./webhook-secret.js";

/**
 * WebhookService: endpoints, their categories and secrets, of the caller's
 * tenant (another tenant's endpoint id is NOT_FOUND). An endpoint belongs
 * to a channel that sends to endpoints (webhooks, chat tools' incoming
 * webhooks), whose module says which URLs it accepts.
 */
export function createManageWebhooks(deps: {
  db: Queryable;
  endpoints: WebhookEndpointStore;
  /** The channels this server offers. */
  catalog: ChannelCatalog;
  settings: { secretGraceHours: number };
}) {
  const checkUrl = (channel: Channel, url: string) => {
    const traits = deps.catalog.get(channel);
    if (traits === undefined || !traits.targets.includes("endpoints")) {
      const offered = [...deps.catalog.values()].filter((t) => t.targets.includes("endpoints")).map((t) => t.id);
      throw new InvalidArgumentError(
        "channel",
        `"${channel}" takes no endpoints on this server; these do: ${offered.join(", ")}`,
      );
    }
    const problem = traits.checkEndpointUrl?.(url) ?? null;
    if (problem !== null) throw new InvalidArgumentError("url", problem);
  };
  const found = <T>(value: T | null, id: string): T => {
    if (value === null) throw new NotFoundError(`webhook endpoint ${id} not found`);
    return value;
  };
  const admin = (p: Principal) => requireScope(p, "admin", "manage webhook endpoints");

  return {
    async create(principal: Principal, e: EndpointFields): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      admin(principal);
      checkUrl(e.channel, e.url);
      const secret = generateWebhookSecret();
      const created = await deps.endpoints.create(deps.db, principal.tenantId, {
        ...e,
        eventTypes: withDefault(e.eventTypes),
        secret,
      });
      return { endpoint: publicEndpoint(created), secret };
    },

    async get(principal: Principal, id: string): Promise<WebhookEndpoint> {
      admin(principal);
      return publicEndpoint(found(await deps.endpoints.get(deps.db, principal.tenantId, id), id));
    },

    async list(principal: Principal): Promise<WebhookEndpoint[]> {
      admin(principal);
      return (await deps.endpoints.list(deps.db, principal.tenantId)).map(publicEndpoint);
    },

    async update(principal: Principal, id: string, change: EndpointChange): Promise<WebhookEndpoint> {
      admin(principal);
      if (change.url !== undefined) {
        const existing = found(await deps.endpoints.get(deps.db, principal.tenantId, id), id);
        checkUrl(existing.channel, change.url);
      }
      const eventTypes = change.eventTypes === undefined ? {} : { eventTypes: withDefault(change.eventTypes) };
      const updated = publicEndpoint(
        found(await deps.endpoints.update(deps.db, principal.tenantId, id, { ...change, ...eventTypes }), id),
      );
      // What waits for a disabled endpoint ends now, clearly, and a replay can send it once enabled again.
      if (change.enabled === false) {
        await deliveryStore.cancelForEndpoint(deps.db, principal.tenantId, id, ENDPOINT_DISABLED_REASON);
      }
      return updated;
    },

    async delete(principal: Principal, id: string): Promise<void> {
      admin(principal);
      if (!(await deps.endpoints.delete(deps.db, principal.tenantId, id)))
        throw new NotFoundError(`webhook endpoint ${id} not found`);
    },

    /** A new secret; the old one keeps signing for the grace period. */
    async rotate(principal: Principal, id: string): Promise<{ secret: string; previousExpiresAt: Date }> {
      admin(principal);
      const secret = generateWebhookSecret();
      const previousExpiresAt = new Date(Date.now() + deps.settings.secretGraceHours * 3_600_000);
      found(await deps.endpoints.rotate(deps.db, principal.tenantId, id, secret, previousExpiresAt), id);
      return { secret, previousExpiresAt };
    },
  };
}

/** No event types means the one every endpoint had before event types existed. */
function withDefault(eventTypes: readonly string[]): readonly string[] {
  return eventTypes.length === 0 ? DEFAULT_WEBHOOK_EVENT_TYPES : eventTypes;
}
