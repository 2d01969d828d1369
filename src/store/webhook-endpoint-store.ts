import { v7 as uuidv7 } from "uuid";
import type { Channel } from "../domain/channel.js";
import type { WebhookEndpoint, WebhookTarget } from "../domain/webhook-endpoint.js";
import type { Queryable } from "./database.js";

interface EndpointRow {
  id: string;
  channel: Channel;
  url: string;
  categories: string[];
  description: string;
  enabled: boolean;
  disabled_reason: string;
  disabled_at: Date | null;
  failing_since: Date | null;
  event_types: string[];
  rate_limit_per_second: number;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const columns =
  "id, channel, url, categories, description, enabled, disabled_reason, disabled_at, failing_since, event_types, rate_limit_per_second, secret, previous_secret, previous_secret_expires_at, created_at, updated_at";

function toTarget(r: EndpointRow, now = new Date()): WebhookTarget {
  const previousValid =
    r.previous_secret !== null && r.previous_secret_expires_at !== null && r.previous_secret_expires_at > now;
  return {
    id: r.id,
    channel: r.channel,
    url: r.url,
    categories: r.categories,
    description: r.description,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    failingSince: r.failing_since,
    eventTypes: r.event_types,
    rateLimitPerSecond: r.rate_limit_per_second,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    secrets: previousValid ? [r.secret, r.previous_secret as string] : [r.secret],
  };
}

/** Strips the secrets: what the API shows. */
export function publicEndpoint(t: WebhookTarget): WebhookEndpoint {
  const { secrets: _, ...endpoint } = t;
  return endpoint;
}

/** What a caller sets when registering an endpoint. */
export interface EndpointFields {
  channel: Channel;
  url: string;
  categories: string[];
  description: string;
  eventTypes: readonly string[];
  rateLimitPerSecond: number;
}

/** The fields an update changes (absent: unchanged). */
export interface EndpointChange {
  url?: string;
  categories?: string[];
  description?: string;
  enabled?: boolean;
  eventTypes?: readonly string[];
  rateLimitPerSecond?: number;
}

interface CacheEntry {
  until: number;
  endpoints: Promise<WebhookTarget[]>;
}

/**
 * Webhook endpoints and their signing secrets, each of one tenant: every
 * function works inside the tenant it is given, and another tenant's endpoint
 * id answers as an unknown one. `cacheMs` is how long `enabled()` may answer
 * from memory (per tenant); changes made here clear that tenant's answer at once.
 */
export function createWebhookEndpointStore(options: { cacheMs?: number } = {}) {
  const cacheMs = options.cacheMs ?? 1_000;
  const enabledCache = new Map<string, CacheEntry>();
  const changed = <T>(tenantId: string, value: T): T => {
    enabledCache.delete(tenantId);
    return value;
  };
  /** Forgets expired answers, so tenants that stopped sending leave nothing behind. */
  const dropExpired = (now: number) => {
    for (const [tenantId, entry] of enabledCache) if (entry.until <= now) enabledCache.delete(tenantId);
  };

  return {
    async create(q: Queryable, tenantId: string, e: EndpointFields & { secret: string }): Promise<WebhookTarget> {
      const [row] = await q.rows<EndpointRow>(
        `INSERT INTO webhook_endpoints (id, tenant_id, channel, url, categories, description, secret, event_types,
           rate_limit_per_second)
         VALUES ($1, $7, $6, $2, $3::text[], $4, $5, $8::text[], $9)
         RETURNING ${columns}`,
        [
          uuidv7(),
          e.url,
          e.categories,
          e.description,
          e.secret,
          e.channel,
          tenantId,
          e.eventTypes,
          e.rateLimitPerSecond,
        ],
      );
      return changed(tenantId, toTarget(row as EndpointRow));
    },

    async get(q: Queryable, tenantId: string, id: string): Promise<WebhookTarget | null> {
      const [row] = await q.rows<EndpointRow>(
        `SELECT ${columns} FROM webhook_endpoints WHERE tenant_id = $2 AND id = $1`,
        [id, tenantId],
      );
      return row ? toTarget(row) : null;
    },

    async list(q: Queryable, tenantId: string): Promise<WebhookTarget[]> {
      const rows = await q.rows<EndpointRow>(
        `SELECT ${columns} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id`,
        [tenantId],
      );
      return rows.map((r) => toTarget(r));
    },

    /**
     * The tenant's enabled endpoints that take notification.created (few per
     * tenant, so filtering by category happens in memory): the ones each
     * notification is posted to. Every Send asks, so the answer is kept for a second:
     * an endpoint registered through another process starts receiving within
     * that time.
     */
    enabled(q: Queryable, tenantId: string): Promise<WebhookTarget[]> {
      const now = Date.now();
      const cached = enabledCache.get(tenantId);
      if (cached !== undefined && cached.until > now) return cached.endpoints;
      dropExpired(now);
      const endpoints = q
        .rows<EndpointRow>(
          `SELECT ${columns} FROM webhook_endpoints
           WHERE tenant_id = $1 AND enabled AND 'notification.created' = ANY (event_types)
           ORDER BY created_at, id`,
          [tenantId],
        )
        .then((rows) => rows.map((r) => toTarget(r)));
      const entry = { until: now + cacheMs, endpoints };
      enabledCache.set(tenantId, entry);
      endpoints.catch(() => {
        if (enabledCache.get(tenantId) === entry) enabledCache.delete(tenantId);
      });
      return endpoints;
    },

    /** Changes the fields given; returns null for an unknown id. */
    async update(q: Queryable, tenantId: string, id: string, change: EndpointChange): Promise<WebhookTarget | null> {
      // Enabling starts afresh (no reason, no failing period); disabling by
      // request keeps the first disable time.
      const [row] = await q.rows<EndpointRow>(
        `UPDATE webhook_endpoints SET
           url = COALESCE($2, url),
           categories = COALESCE($3::text[], categories),
           description = COALESCE($4, description),
           enabled = COALESCE($5, enabled),
           disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason ELSE '' END,
           disabled_at = CASE WHEN $5 IS NULL THEN disabled_at WHEN $5 THEN NULL ELSE COALESCE(disabled_at, now()) END,
           failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
           event_types = COALESCE($7::text[], event_types),
           rate_limit_per_second = COALESCE($8, rate_limit_per_second),
           updated_at = now()
         WHERE tenant_id = $6 AND id = $1 RETURNING ${columns}`,
        [
          id,
          change.url ?? null,
          change.categories ?? null,
          change.description ?? null,
          change.enabled ?? null,
          tenantId,
          change.eventTypes ?? null,
          change.rateLimitPerSecond ?? null,
        ],
      );
      return changed(tenantId, row ? toTarget(row) : null);
    },

    /** Disables an endpoint on Herald's own account (410 Gone), saying why. */
    async disable(q: Queryable, tenantId: string, id: string, reason: string): Promise<void> {
      await q.exec(
        `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, disabled_at = COALESCE(disabled_at, now()),
           updated_at = now()
         WHERE tenant_id = $3 AND id = $1`,
        [id, reason, tenantId],
      );
      changed(tenantId, undefined);
    },

    /**
     * Records how an attempt to the endpoint went, for auto-disable: a success
     * ends its failing period; a failure starts one, or, when the period began
     * `disableAfterSeconds` or more ago (0: never), disables the endpoint,
     * saying since when. Writes only when something changes (the first
     * failure, the first success after failures, the disabling one), so a
     * busy endpoint's row is not rewritten per attempt. Returns the failing
     * period's start when this call disabled the endpoint, else null.
     */
    async recordOutcome(
      q: Queryable,
      tenantId: string,
      id: string,
      succeeded: boolean,
      disableAfterSeconds: number,
    ): Promise<Date | null> {
      if (succeeded) {
        await q.exec(
          `UPDATE webhook_endpoints SET failing_since = NULL
           WHERE tenant_id = $1 AND id = $2 AND failing_since IS NOT NULL`,
          [tenantId, id],
        );
        return null;
      }
      const [row] = await q.rows<{ disabled: boolean; failing_since: Date }>(
        `WITH due AS (
           SELECT failing_since IS NOT NULL AND $3::int > 0
             AND failing_since <= now() - make_interval(secs => $3::int) AS disable
           FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 AND enabled
         )
         UPDATE webhook_endpoints e SET
           failing_since = COALESCE(e.failing_since, now()),
           enabled = NOT due.disable,
           disabled_at = CASE WHEN due.disable THEN now() ELSE e.disabled_at END,
           disabled_reason = CASE WHEN due.disable THEN
             'every attempt failed since ' || to_char(e.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
             || ' (' || $3::int::text || ' s without a success)'
             ELSE e.disabled_reason END,
           updated_at = CASE WHEN due.disable THEN now() ELSE e.updated_at END
         FROM due
         WHERE e.tenant_id = $1 AND e.id = $2 AND e.enabled AND (e.failing_since IS NULL OR due.disable)
         RETURNING due.disable AS disabled, e.failing_since`,
        [tenantId, id, disableAfterSeconds],
      );
      if (row?.disabled !== true) return null;
      changed(tenantId, undefined);
      return row.failing_since;
    },

    async delete(q: Queryable, tenantId: string, id: string): Promise<boolean> {
      const deleted = await q.exec("DELETE FROM webhook_endpoints WHERE tenant_id = $2 AND id = $1", [id, tenantId]);
      return changed(tenantId, deleted > 0);
    },

    /** Installs a new secret; the current one keeps signing until `graceUntil`. */
    async rotate(
      q: Queryable,
      tenantId: string,
      id: string,
      secret: string,
      graceUntil: Date,
    ): Promise<WebhookTarget | null> {
      const [row] = await q.rows<EndpointRow>(
        `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = now()
         WHERE tenant_id = $4 AND id = $1 RETURNING ${columns}`,
        [id, secret, graceUntil, tenantId],
      );
      return changed(tenantId, row ? toTarget(row) : null);
    },
  };
}

export type WebhookEndpointStore = ReturnType<typeof createWebhookEndpointStore>;
