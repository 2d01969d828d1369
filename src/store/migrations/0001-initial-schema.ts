import type { Migration } from "../migrator.js";

/**
 * The foundation schema. Notifications carry `seq`, their position in the user's
 * feed, once they are in the inbox; List pages and Subscribe resumes by it.
 * `user_feeds` holds each user's feed head and unread count: writers lock that row,
 * so a user's events are numbered in commit order with no holes.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE TABLE api_keys (
      id text PRIMARY KEY,
      name text NOT NULL,
      secret_hash bytea NOT NULL,
      scopes text[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );

    CREATE TABLE notifications (
      id uuid PRIMARY KEY,
      user_id text NOT NULL,
      seq bigint,
      category text NOT NULL,
      title text NOT NULL,
      body text NOT NULL,
      action_url text NOT NULL DEFAULT '',
      data jsonb,
      priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'critical')),
      sender_key_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      send_at timestamptz NOT NULL,
      read_at timestamptz,
      archived_at timestamptz
    );
    CREATE UNIQUE INDEX notifications_user_seq ON notifications (user_id, seq DESC) WHERE seq IS NOT NULL;
    CREATE INDEX notifications_inbox ON notifications (user_id, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NULL;
    CREATE INDEX notifications_unread ON notifications (user_id, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NULL AND read_at IS NULL;
    CREATE INDEX notifications_category ON notifications (user_id, category, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NULL;
    CREATE INDEX notifications_archived ON notifications (user_id, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NOT NULL;

    CREATE TABLE deliveries (
      id uuid PRIMARY KEY,
      notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
      channel text NOT NULL CHECK (channel IN ('in_app', 'email', 'sms', 'push', 'webhook')),
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error text NOT NULL DEFAULT '',
      due_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (notification_id, channel)
    );
    CREATE INDEX deliveries_scheduled ON deliveries (due_at) WHERE status = 'scheduled';

    CREATE TABLE user_feeds (
      user_id text PRIMARY KEY,
      seq bigint NOT NULL,
      unread_count integer NOT NULL CHECK (unread_count >= 0)
    );

    CREATE TABLE feed_events (
      user_id text NOT NULL,
      seq bigint NOT NULL,
      kind text NOT NULL CHECK (kind IN ('created', 'read', 'unread', 'archived', 'unarchived')),
      notification_ids uuid[] NOT NULL,
      all_notifications boolean NOT NULL DEFAULT false,
      unread_count integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, seq)
    );
    CREATE INDEX feed_events_created_at ON feed_events (created_at);

    CREATE TABLE preferences (
      user_id text NOT NULL,
      category text NOT NULL,
      channel text NOT NULL CHECK (channel IN ('in_app', 'email', 'sms', 'push', 'webhook')),
      enabled boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, category, channel)
    );

    CREATE TABLE idempotency_keys (
      api_key_id text NOT NULL,
      key text NOT NULL,
      request_hash bytea NOT NULL,
      notification_ids uuid[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (api_key_id, key)
    );
    CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP TABLE idempotency_keys, preferences, feed_events, user_feeds, deliveries, notifications, api_keys;
  `);
};
