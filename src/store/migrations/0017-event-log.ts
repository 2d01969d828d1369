import type { Migration } from "../migrator.js";

/**
 * The event log behind WatchEvents: every notification created, every
 * delivery sent, failed (each failed attempt) or dead, and every feed change
 * but `created` (read, unread, archived... and kinds added later), one row
 * each in `events`, written by triggers inside the writer's own statement, so
 * an event exists exactly when its change committed and no writer had to
 * change. Statement-level triggers over transition tables: one INSERT per
 * statement, however many rows a bulk Send wrote.
 *
 * Rows are inserted unnumbered (`seq` NULL; `id` is insertion order, not
 * commit order). The sequencer (store/event-log.ts), one at a time across
 * processes, numbers committed unnumbered rows consecutively from
 * `event_log_head.seq` in one transaction, in (created_at, rank, id) order;
 * readers read numbered rows only.
 * `pruned_through` is the last seq retention removed: a cursor below it has lost events.
 *
 * Delivery events keep what changes later (error, provider, attempt number);
 * the notification's content and user are read with the event (the reader
 * joins `notifications`), which keeps the cost on Send to one narrow row.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    -- Indexes are what an event costs beyond its row, so there are few:
    -- \`id\` orders a transaction's events but has no index (the sequencer
    -- finds rows through events_unnumbered and updates them by ctid); seqs
    -- are unique by construction (see store/event-log.ts), so events_seq is a
    -- BRIN for pruning, not a unique btree.
    CREATE TABLE events (
      id bigserial NOT NULL,
      seq bigint,
      tenant_id text COLLATE "C" NOT NULL,
      type text NOT NULL,
      user_id text,
      notification_id uuid,
      notification_ids uuid[],
      all_notifications boolean NOT NULL DEFAULT false,
      detail jsonb,
      delivery_id uuid,
      channel text,
      target text,
      attempt integer,
      error text,
      provider text,
      -- The writing transaction's start (now()): the same for all of a
      -- transaction's events, and earlier than any transaction's that began
      -- after it committed.
      created_at timestamptz NOT NULL DEFAULT now(),
      -- Within a transaction, notification.created (0) comes before what
      -- happened to the notification (1), whatever order the triggers ran in.
      rank smallint NOT NULL DEFAULT 1
    );
    -- The sequencer's order: by transaction (its start), created first, then insertion.
    CREATE INDEX events_unnumbered ON events (created_at, rank, id) WHERE seq IS NULL;
    -- WatchEvents' reads.
    CREATE INDEX events_tenant_seq ON events (tenant_id, seq) WHERE seq IS NOT NULL;

    CREATE TABLE event_log_head (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      seq bigint NOT NULL,
      pruned_through bigint NOT NULL
    );
    INSERT INTO event_log_head (seq, pruned_through) VALUES (0, 0);

    CREATE FUNCTION herald_events_notifications() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO events (tenant_id, type, user_id, notification_id, rank)
      SELECT a.tenant_id, 'notification.created', a.user_id, a.id, 0 FROM added a ORDER BY a.id;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER events_notifications AFTER INSERT ON notifications
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION herald_events_notifications();

    -- Feed changes but 'created' (taken from notifications, which also has the
    -- notifications that never enter an inbox). A kind WatchEvents has no type
    -- for is left out rather than sent as something it is not.
    CREATE FUNCTION herald_events_feed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      -- detail through to_jsonb: the column comes with a later migration (0018).
      INSERT INTO events (tenant_id, type, user_id, notification_id, notification_ids, all_notifications, detail)
      SELECT a.tenant_id, 'notification.' || a.kind, a.user_id,
             CASE WHEN cardinality(a.notification_ids) = 1 THEN a.notification_ids[1] END,
             a.notification_ids, a.all_notifications, to_jsonb(a) -> 'detail'
      FROM added a
      WHERE a.kind IN ('read', 'unread', 'archived', 'unarchived', 'seen', 'snoozed', 'unsnoozed', 'returned',
                       'interacted', 'updated', 'retracted', 'expired')
      ORDER BY a.tenant_id, a.user_id, a.seq;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER events_feed AFTER INSERT ON feed_events
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION herald_events_feed();

    -- Deliveries written already settled: in-app ones sent at Send, others dead
    -- before any attempt (no address, say).
    CREATE FUNCTION herald_events_deliveries_added() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO events (tenant_id, type, notification_id, delivery_id, channel, target, attempt, error, provider)
      SELECT a.tenant_id, CASE a.status WHEN 'sent' THEN 'delivery.sent' ELSE 'delivery.dead' END,
             a.notification_id, a.id, a.channel, a.target, a.attempts, a.last_error, ''
      FROM added a WHERE a.status IN ('sent', 'dead') ORDER BY a.id;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER events_deliveries_added AFTER INSERT ON deliveries
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION herald_events_deliveries_added();

    -- A failed attempt is a delivery leaving 'sending' with its attempt
    -- recorded as an error (the attempt row is written by the same statement,
    -- so it is visible here), or a lease that ran out taken over by another
    -- worker (the abandoned attempt). Sent and dead are status changes. For
    -- one delivery the failed attempt comes before its dead.
    CREATE FUNCTION herald_events_deliveries_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO events (tenant_id, type, notification_id, delivery_id, channel, target, attempt, error, provider)
      SELECT x.tenant_id, x.type, x.notification_id, x.id, x.channel, x.target, x.attempt,
             coalesce(a.error, x.last_error), coalesce(a.provider, '')
      FROM (
        SELECT n.*, 1 AS ord, 'delivery.failed' AS type, o.attempts AS attempt
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE o.status = 'sending'
          AND ((n.status IN ('failed', 'dead') AND n.attempts = o.attempts)
               OR (n.status = 'sending' AND n.attempts > o.attempts))
        UNION ALL
        SELECT n.*, 2, CASE n.status WHEN 'sent' THEN 'delivery.sent' ELSE 'delivery.dead' END, n.attempts
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IN ('sent', 'dead') AND o.status <> n.status
      ) x
      LEFT JOIN delivery_attempts a ON a.delivery_id = x.id AND a.number = x.attempt
      WHERE x.ord = 2 OR a.outcome IN ('transient_error', 'permanent_error')
      ORDER BY x.id, x.ord;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER events_deliveries_changed AFTER UPDATE ON deliveries
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION herald_events_deliveries_changed();
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP TRIGGER events_deliveries_changed ON deliveries;
    DROP TRIGGER events_deliveries_added ON deliveries;
    DROP TRIGGER events_feed ON feed_events;
    DROP TRIGGER events_notifications ON notifications;
    DROP FUNCTION herald_events_deliveries_changed(), herald_events_deliveries_added(), herald_events_feed(),
      herald_events_notifications();
    DROP TABLE event_log_head, events;
  `);
};
