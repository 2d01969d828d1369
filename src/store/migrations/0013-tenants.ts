import type { Migration } from "../migrator.js";

/**
 * Tenants: one Herald for many customer workspaces.
 * - `tenants`: id (the `tenant` claim of user tokens, the tenant of API
 *   keys), name, settings (default preferences, required categories, email
 *   sender and branding, provider credentials, limits). The tenant `default`
 *   exists always: single-tenant deployments and every row written before
 *   tenants live in it.
 * - Every row a caller owns gets `tenant_id`, and every key a caller chooses
 *   (user ids, template, workflow and topic keys, device tokens) becomes
 *   unique per tenant: the same user id in two tenants is two people.
 *   Rows reached only through such a row (delivery attempts, outbox rows,
 *   workflow timers, fan-out chunks) do not repeat it. Idempotency keys are
 *   per API key, and a key belongs to one tenant.
 * - The column is added with the default `default` (existing rows, at once:
 *   no table rewrite) and the default is then dropped, so that a statement
 *   which forgets the tenant fails instead of writing into `default`.
 * Rebuilding the per-user indexes takes a while on a large database (about
 *   12 s per index at 10 M notifications on 2 cores); writes wait meanwhile.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE TABLE tenants (
      id text COLLATE "C" PRIMARY KEY,
      name text NOT NULL DEFAULT '',
      settings jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO tenants (id, name) VALUES ('default', 'Default');
  `);
  const owned = [
    "api_keys",
    "notifications",
    "deliveries",
    "user_feeds",
    "feed_events",
    "preferences",
    "recipients",
    "devices",
    "templates",
    "webhook_endpoints",
    "user_token_revocations",
    "workflows",
    "workflow_versions",
    "workflow_patterns",
    "workflow_runs",
    "workflow_digests",
    "workflow_throttle_hits",
    "quiet_hours",
    "topics",
    "topic_subscribers",
    "topic_subscriber_removals",
    "fanouts",
  ];
  for (const table of owned) {
    await db.query(`
      ALTER TABLE ${table} ADD COLUMN tenant_id text COLLATE "C" NOT NULL DEFAULT 'default' REFERENCES tenants (id);
      ALTER TABLE ${table} ALTER COLUMN tenant_id DROP DEFAULT;
    `);
  }
  await db.query(`
    -- Keys a caller chooses: unique per tenant.
    ALTER TABLE user_feeds DROP CONSTRAINT user_feeds_pkey, ADD PRIMARY KEY (tenant_id, user_id);
    ALTER TABLE feed_events DROP CONSTRAINT feed_events_pkey, ADD PRIMARY KEY (tenant_id, user_id, seq);
    ALTER TABLE preferences DROP CONSTRAINT preferences_pkey, ADD PRIMARY KEY (tenant_id, user_id, category, channel);
    ALTER TABLE recipients DROP CONSTRAINT recipients_pkey, ADD PRIMARY KEY (tenant_id, user_id);
    ALTER TABLE devices DROP CONSTRAINT devices_token_key, ADD CONSTRAINT devices_token_key UNIQUE (tenant_id, token);
    DROP INDEX devices_user;
    CREATE INDEX devices_user ON devices (tenant_id, user_id);
    ALTER TABLE templates DROP CONSTRAINT templates_pkey, ADD PRIMARY KEY (tenant_id, key, channel, locale);
    ALTER TABLE user_token_revocations DROP CONSTRAINT user_token_revocations_pkey,
      ADD PRIMARY KEY (tenant_id, user_id);
    ALTER TABLE quiet_hours DROP CONSTRAINT quiet_hours_pkey, ADD PRIMARY KEY (tenant_id, user_id);

    ALTER TABLE workflow_versions DROP CONSTRAINT workflow_versions_key_fkey;
    ALTER TABLE workflow_patterns DROP CONSTRAINT workflow_patterns_workflow_key_fkey;
    ALTER TABLE workflows DROP CONSTRAINT workflows_pkey, ADD PRIMARY KEY (tenant_id, key);
    ALTER TABLE workflow_versions DROP CONSTRAINT workflow_versions_pkey, ADD PRIMARY KEY (tenant_id, key, version),
      ADD CONSTRAINT workflow_versions_key_fkey FOREIGN KEY (tenant_id, key)
        REFERENCES workflows (tenant_id, key) ON DELETE CASCADE;
    ALTER TABLE workflow_patterns DROP CONSTRAINT workflow_patterns_pkey, ADD PRIMARY KEY (tenant_id, pattern),
      ADD CONSTRAINT workflow_patterns_workflow_key_fkey FOREIGN KEY (tenant_id, workflow_key)
        REFERENCES workflows (tenant_id, key) ON DELETE CASCADE;

    ALTER TABLE topic_subscribers DROP CONSTRAINT topic_subscribers_topic_key_fkey;
    ALTER TABLE topics DROP CONSTRAINT topics_pkey, ADD PRIMARY KEY (tenant_id, key);
    ALTER TABLE topic_subscribers DROP CONSTRAINT topic_subscribers_pkey, ADD PRIMARY KEY (tenant_id, topic_key, user_id),
      ADD CONSTRAINT topic_subscribers_topic_key_fkey FOREIGN KEY (tenant_id, topic_key)
        REFERENCES topics (tenant_id, key) ON DELETE CASCADE;
    DROP INDEX topic_subscribers_by_user;
    CREATE INDEX topic_subscribers_by_user ON topic_subscribers (tenant_id, user_id, topic_key);
    DROP INDEX topic_subscriber_removals_by_topic;
    CREATE INDEX topic_subscriber_removals_by_topic ON topic_subscriber_removals (tenant_id, topic_key, user_id);
    DROP INDEX topic_subscriber_removals_by_user;
    CREATE INDEX topic_subscriber_removals_by_user ON topic_subscriber_removals (tenant_id, user_id);

    -- Per-user reads: the tenant leads.
    DROP INDEX notifications_user_seq;
    CREATE UNIQUE INDEX notifications_user_seq ON notifications (tenant_id, user_id, seq DESC) WHERE seq IS NOT NULL;
    DROP INDEX notifications_inbox;
    CREATE INDEX notifications_inbox ON notifications (tenant_id, user_id, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NULL;
    DROP INDEX notifications_unread;
    CREATE INDEX notifications_unread ON notifications (tenant_id, user_id, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NULL AND read_at IS NULL;
    DROP INDEX notifications_category;
    CREATE INDEX notifications_category ON notifications (tenant_id, user_id, category, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NULL;
    DROP INDEX notifications_archived;
    CREATE INDEX notifications_archived ON notifications (tenant_id, user_id, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NOT NULL;
    DROP INDEX notifications_by_user;
    CREATE INDEX notifications_by_user ON notifications (tenant_id, user_id, id DESC);
    DROP INDEX deliveries_by_status;
    CREATE INDEX deliveries_by_status ON deliveries (tenant_id, status, id DESC);
    CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at, id);
    CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

    DROP INDEX workflow_runs_user;
    CREATE INDEX workflow_runs_user ON workflow_runs (tenant_id, user_id, created_at DESC, id DESC);
    DROP INDEX workflow_runs_recent;
    CREATE INDEX workflow_runs_recent ON workflow_runs (tenant_id, created_at DESC, id DESC);
    DROP INDEX workflow_runs_cancellation;
    CREATE INDEX workflow_runs_cancellation ON workflow_runs (tenant_id, cancellation_key, user_id)
      WHERE cancellation_key IS NOT NULL AND finished_at IS NULL;
    DROP INDEX workflow_digests_open;
    CREATE UNIQUE INDEX workflow_digests_open ON workflow_digests (tenant_id, user_id, workflow_key, digest_key, step_index)
      WHERE closed_at IS NULL;
    DROP INDEX workflow_throttle_hits_window;
    CREATE INDEX workflow_throttle_hits_window
      ON workflow_throttle_hits (tenant_id, user_id, workflow_key, step_index, throttle_key, hit_at);

    DROP INDEX fanouts_in_flight;
    CREATE INDEX fanouts_in_flight ON fanouts (tenant_id, sender_key_id) WHERE state IN ('planning', 'running');
  `);
};
