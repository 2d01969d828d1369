import type { Migration } from "../migrator.js";

/**
 * Webhook operations (ListWebhookAttempts, auto-disable, replay, per-endpoint
 * rate limit, event types):
 * - `webhook_endpoints`: event_types (what it subscribes to; existing
 *   endpoints keep receiving notification.created), rate_limit_per_second (0:
 *   the server's default), failing_since (set by the first failed attempt
 *   after a success, cleared by a success), disabled_at (when Herald or a
 *   caller disabled it), rate_tat (the rate limiter's theoretical arrival
 *   time: one row, so every Herald process shares the limit).
 * - `delivery_attempts`: the endpoint an attempt posted to and what it
 *   answered (status code, the first <= 1 KiB of its body, how long it took),
 *   indexed per endpoint newest first for ListWebhookAttempts. Attempts of
 *   other channels leave them null / empty.
 * - `deliveries_by_endpoint`: ReplayWebhookEvents finds an endpoint's
 *   deliveries since a time (ids are time-ordered uuidv7) without scanning
 *   the tenant's; only deliveries with a target (endpoints, devices) enter it.
 * - `webhook_rate_holds`: a delivery the rate limiter put off, with the slot
 *   it reserved, so that coming back it takes that slot instead of a new one.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE webhook_endpoints
      ADD COLUMN event_types text[] NOT NULL DEFAULT '{notification.created}',
      ADD COLUMN rate_limit_per_second integer NOT NULL DEFAULT 0 CHECK (rate_limit_per_second >= 0),
      ADD COLUMN failing_since timestamptz,
      ADD COLUMN disabled_at timestamptz,
      ADD COLUMN rate_tat timestamptz;
    UPDATE webhook_endpoints SET disabled_at = updated_at WHERE NOT enabled;

    ALTER TABLE delivery_attempts
      ADD COLUMN endpoint_id uuid,
      ADD COLUMN status_code integer,
      ADD COLUMN duration_ms integer,
      ADD COLUMN response_excerpt text NOT NULL DEFAULT ''
        CONSTRAINT delivery_attempts_excerpt_size CHECK (octet_length(response_excerpt) <= 1024);
    CREATE INDEX delivery_attempts_by_endpoint
      ON delivery_attempts (endpoint_id, finished_at DESC, delivery_id DESC, number DESC)
      WHERE endpoint_id IS NOT NULL;

    CREATE INDEX deliveries_by_endpoint ON deliveries (tenant_id, target, id) WHERE target <> '';

    CREATE TABLE webhook_rate_holds (
      delivery_id uuid PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
      tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
      slot_at timestamptz NOT NULL
    );
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP TABLE webhook_rate_holds;
    DROP INDEX deliveries_by_endpoint;
    DROP INDEX delivery_attempts_by_endpoint;
    ALTER TABLE delivery_attempts DROP COLUMN endpoint_id, DROP COLUMN status_code, DROP COLUMN duration_ms,
      DROP COLUMN response_excerpt;
    ALTER TABLE webhook_endpoints DROP COLUMN event_types, DROP COLUMN rate_limit_per_second,
      DROP COLUMN failing_since, DROP COLUMN disabled_at, DROP COLUMN rate_tat;
  `);
};
