import { checkWebhookUrl } from "../channels/network-guard.js";
import { generateWebhookSecret } from "../channels/webhook-signature.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { WebhookEndpoint } from "../domain/webhook-endpoint.js";
import type { Queryable } from "../store/database.js";
import { publicEndpoint, type WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import { requireScope } from "./access.js";

/** WebhookService: endpoints, their categories and secrets. */
export function createManageWebhooks(deps: {
  db: Queryable;
  endpoints: WebhookEndpointStore;
  settings: { allowPrivateNetworks: boolean; secretGraceHours: number };
}) {
  const checkUrl = (url: string) => {
    const problem = checkWebhookUrl(url, { allowPrivateNetworks: deps.settings.allowPrivateNetworks });
    if (problem !== null) throw new InvalidArgumentError("url", problem);
  };
  const found = <T>(value: T | null, id: string): T => {
    if (value === null) throw new NotFoundError(`webhook endpoint ${id} not found`);
    return value;
  };
  const admin = (p: Principal) => requireScope(p, "admin", "manage webhook endpoints");

  return {
    async create(
      principal: Principal,
      e: { url: string; categories: string[]; description: string },
    ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      admin(principal);
      checkUrl(e.url);
      const secret = generateWebhookSecret();
      const created = await deps.endpoints.create(deps.db, { ...e, secret });
      return { endpoint: publicEndpoint(created), secret };
    },

    async get(principal: Principal, id: string): Promise<WebhookEndpoint> {
      admin(principal);
      return publicEndpoint(found(await deps.endpoints.get(deps.db, id), id));
    },

    async list(principal: Principal): Promise<WebhookEndpoint[]> {
      admin(principal);
      return (await deps.endpoints.list(deps.db)).map(publicEndpoint);
    },

    async update(
      principal: Principal,
      id: string,
      change: { url?: string; categories?: string[]; description?: string; enabled?: boolean },
    ): Promise<WebhookEndpoint> {
      admin(principal);
      if (change.url !== undefined) checkUrl(change.url);
      return publicEndpoint(found(await deps.endpoints.update(deps.db, id, change), id));
    },

    async delete(principal: Principal, id: string): Promise<void> {
      admin(principal);
      if (!(await deps.endpoints.delete(deps.db, id))) throw new NotFoundError(`webhook endpoint ${id} not found`);
    },

    /** A new secret; the old one keeps signing for the grace period. */
    async rotate(principal: Principal, id: string): Promise<{ secret: string; previousExpiresAt: Date }> {
      admin(principal);
      const secret = generateWebhookSecret();
      const previousExpiresAt = new Date(Date.now() + deps.settings.secretGraceHours * 3_600_000);
      found(await deps.endpoints.rotate(deps.db, id, secret, previousExpiresAt), id);
      return { secret, previousExpiresAt };
    },
  };
}
