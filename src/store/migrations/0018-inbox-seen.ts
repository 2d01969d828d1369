import type { Migration } from "../migrator.js";

/**
 * Seen vs read, and room for the inbox states of issue 14.
 *
 * - `notifications.seen_at`: the user saw the notification in a list (the
 *   inbox sets it in bulk when its panel opens). Reading implies seeing
 *   without writing seen_at: a notification is unseen while both `seen_at`
 *   and `read_at` are NULL, and its seen time is `coalesce(seen_at,
 *   read_at)`. So the notifications read before this migration are seen
 *   without rewriting them (a big table's rows stay as they are: the new
 *   columns are NULL, added without a table rewrite).
 * - `user_feeds.unseen_count` beside `unread_count`: unseen and not archived,
 *   the bell badge. Kept by the feed log exactly like the unread count; every
 *   feed event records both counts after it, so a resumed stream replays them.
 *   Events written before have NULL there; they are read as unseen = unread,
 *   which is what the heads start from.
 * - `feed_events.kind` takes the kinds the new inbox states emit (seen,
 *   snoozed, unsnoozed, returned, updated, retracted, expired, interacted) and
 *   `detail` carries what an event needs beyond notification ids (the action
 *   taken, the snooze time).
 * - herald_feed_append takes `unseen_delta` (default 0) and `detail`, and
 *   returns the unseen count after each event.
 *
 * An index for the unseen filter mirrors the unread one.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE notifications ADD COLUMN seen_at timestamptz;
    CREATE INDEX notifications_unseen ON notifications (tenant_id, user_id, seq DESC)
      WHERE seq IS NOT NULL AND archived_at IS NULL AND seen_at IS NULL AND read_at IS NULL;

    ALTER TABLE user_feeds ADD COLUMN unseen_count integer NOT NULL DEFAULT 0;
    UPDATE user_feeds SET unseen_count = unread_count;

    ALTER TABLE feed_events
      ADD COLUMN unseen_count integer,
      ADD COLUMN detail jsonb,
      DROP CONSTRAINT feed_events_kind_check,
      ADD CONSTRAINT feed_events_kind_check CHECK (kind IN ('created', 'read', 'unread', 'archived', 'unarchived',
        'seen', 'snoozed', 'unsnoozed', 'returned', 'updated', 'retracted', 'expired', 'interacted'));

    DROP FUNCTION herald_feed_append(jsonb);
    CREATE FUNCTION herald_feed_append(events jsonb)
    RETURNS TABLE (ord integer, user_id text, seq bigint, unread_count integer, unseen_count integer)
    LANGUAGE sql AS $fn$
      WITH e AS (
        SELECT x.ord::integer AS ord, x.tenant_id, x.user_id, x.kind, x.notification_ids,
               coalesce(x.all_notifications, false) AS all_notifications, x.unread_delta,
               coalesce(x.unseen_delta, 0) AS unseen_delta, x.detail,
               coalesce(x.created_at, now()) AS created_at
        FROM ROWS FROM (jsonb_to_recordset(events) AS (tenant_id text, user_id text, kind text,
               notification_ids uuid[], all_notifications boolean, unread_delta integer, unseen_delta integer,
               detail jsonb, created_at timestamptz))
          WITH ORDINALITY AS x(tenant_id, user_id, kind, notification_ids, all_notifications, unread_delta,
               unseen_delta, detail, created_at, ord)
      ),
      per_user AS (
        SELECT e.tenant_id, e.user_id, count(*) AS n, sum(e.unread_delta)::integer AS d,
               sum(e.unseen_delta)::integer AS s
        FROM e GROUP BY e.tenant_id, e.user_id
      ),
      deltas AS (
        SELECT jsonb_object_agg(p.tenant_id || '/' || p.user_id, jsonb_build_array(p.d, p.s)) AS by_user
        FROM per_user p
      ),
      heads AS (
        INSERT INTO user_feeds AS f (tenant_id, user_id, seq, unread_count, unseen_count)
        SELECT p.tenant_id, p.user_id, p.n, greatest(p.d, 0), greatest(p.s, 0)
        FROM per_user p ORDER BY p.tenant_id, p.user_id
        ON CONFLICT (tenant_id, user_id) DO UPDATE
          SET seq = f.seq + EXCLUDED.seq,
              unread_count = f.unread_count
                + ((SELECT by_user FROM deltas) -> (EXCLUDED.tenant_id || '/' || EXCLUDED.user_id) ->> 0)::integer,
              unseen_count = f.unseen_count
                + ((SELECT by_user FROM deltas) -> (EXCLUDED.tenant_id || '/' || EXCLUDED.user_id) ->> 1)::integer
        RETURNING f.tenant_id, f.user_id, f.seq, f.unread_count, f.unseen_count
      ),
      numbered AS (
        SELECT e.ord, e.tenant_id, e.user_id, e.kind, e.notification_ids, e.all_notifications, e.detail,
               e.created_at,
               h.seq - p.n + row_number() OVER (PARTITION BY e.tenant_id, e.user_id ORDER BY e.ord) AS seq,
               (h.unread_count - p.d
                 + sum(e.unread_delta) OVER (PARTITION BY e.tenant_id, e.user_id ORDER BY e.ord))::integer
                 AS unread_count,
               (h.unseen_count - p.s
                 + sum(e.unseen_delta) OVER (PARTITION BY e.tenant_id, e.user_id ORDER BY e.ord))::integer
                 AS unseen_count
        FROM e
        JOIN heads h ON h.tenant_id = e.tenant_id AND h.user_id = e.user_id
        JOIN per_user p ON p.tenant_id = e.tenant_id AND p.user_id = e.user_id
      ),
      appended AS (
        INSERT INTO feed_events (tenant_id, user_id, seq, kind, notification_ids, all_notifications,
                                 unread_count, unseen_count, detail, created_at)
        SELECT n.tenant_id, n.user_id, n.seq, n.kind, n.notification_ids, n.all_notifications, n.unread_count,
               n.unseen_count, n.detail, n.created_at
        FROM numbered n
      )
      SELECT n.ord, n.user_id, n.seq, n.unread_count, n.unseen_count FROM numbered n ORDER BY n.ord
    $fn$;
  `);
};
