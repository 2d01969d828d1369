import type { Migration } from "../migrator.js";

/**
 * Durable dispatch on every channel. A Send writes deliveries and an `outbox`
 * row per delivery in its transaction; the relay publishes due outbox rows to
 * JetStream and deletes them. `deliveries` gains what workers need: the target
 * (device or webhook endpoint), the content rendered at Send time, a lease so
 * two workers never send the same delivery at once, and the attempt history.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE deliveries
      ADD COLUMN target text NOT NULL DEFAULT '',
      ADD COLUMN content jsonb,
      ADD COLUMN generation integer NOT NULL DEFAULT 0,
      ADD COLUMN generation_attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN next_attempt_at timestamptz,
      ADD COLUMN lease_until timestamptz,
      ADD COLUMN provider_message_id text NOT NULL DEFAULT '';
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_notification_id_channel_key;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_notification_channel_target UNIQUE (notification_id, channel, target);
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status CHECK
      (status IN ('scheduled', 'pending', 'sending', 'sent', 'suppressed', 'failed', 'dead', 'canceled'));
    DROP INDEX deliveries_scheduled;
    -- ListDeliveries by status, newest first (ids are UUIDv7, so time-ordered).
    CREATE INDEX deliveries_by_status ON deliveries (status, id DESC);

    CREATE TABLE delivery_attempts (
      delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
      number integer NOT NULL,
      started_at timestamptz NOT NULL,
      finished_at timestamptz NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('sent', 'transient_error', 'permanent_error')),
      error text NOT NULL DEFAULT '',
      provider_message_id text NOT NULL DEFAULT '',
      PRIMARY KEY (delivery_id, number)
    );

    CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
      channel text NOT NULL,
      generation integer NOT NULL,
      available_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX outbox_due ON outbox (available_at, id);
    CREATE INDEX outbox_delivery ON outbox (delivery_id);

    CREATE TABLE recipients (
      user_id text PRIMARY KEY,
      email text NOT NULL DEFAULT '',
      phone text NOT NULL DEFAULT '',
      locale text NOT NULL DEFAULT '',
      timezone text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE devices (
      id uuid PRIMARY KEY,
      user_id text NOT NULL,
      platform text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
      token text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX devices_user ON devices (user_id);

    CREATE TABLE templates (
      key text NOT NULL,
      channel text NOT NULL CHECK (channel IN ('in_app', 'email', 'sms', 'push')),
      locale text NOT NULL,
      content jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (key, channel, locale)
    );

    -- Secrets are kept as such: signing needs them (unlike API keys, which only
    -- need verifying and are stored as hashes).
    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY,
      url text NOT NULL,
      categories text[] NOT NULL DEFAULT '{}',
      description text NOT NULL DEFAULT '',
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text NOT NULL DEFAULT '',
      secret text NOT NULL,
      previous_secret text,
      previous_secret_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP TABLE webhook_endpoints, templates, devices, recipients, outbox, delivery_attempts;
    DROP INDEX deliveries_by_status;
    CREATE INDEX deliveries_scheduled ON deliveries (due_at) WHERE status = 'scheduled';
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status;
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_notification_channel_target;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_notification_id_channel_key UNIQUE (notification_id, channel);
    ALTER TABLE deliveries DROP COLUMN target, DROP COLUMN content, DROP COLUMN generation,
      DROP COLUMN generation_attempts, DROP COLUMN next_attempt_at, DROP COLUMN lease_until,
      DROP COLUMN provider_message_id;
  `);
};
