import type { Migration } from "../migrator.js";

/**
 * The feed log's one writer: herald_feed_append numbers events in their users'
 * feeds, moves each user's head and unread count, and appends the events, in
 * one statement (so it can also run inside a larger one, as Send's does).
 * Callers pass a jsonb array of events:
 * `{user_id, kind, notification_ids, all_notifications?, unread_delta, created_at?}`.
 * Events of one user take consecutive seqs in array order; heads are locked in
 * user_id order, so concurrent writers to overlapping users cannot deadlock,
 * and seqs follow commit order. Returns each event's seq and the unread count
 * after it, in array order (`ord`, from 1).
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE FUNCTION herald_feed_append(events jsonb)
    RETURNS TABLE (ord integer, user_id text, seq bigint, unread_count integer)
    LANGUAGE sql AS $fn$
      WITH e AS (
        SELECT x.ord::integer AS ord, x.user_id, x.kind, x.notification_ids,
               coalesce(x.all_notifications, false) AS all_notifications, x.unread_delta,
               coalesce(x.created_at, now()) AS created_at
        FROM ROWS FROM (jsonb_to_recordset(events) AS (user_id text, kind text, notification_ids uuid[],
               all_notifications boolean, unread_delta integer, created_at timestamptz))
          WITH ORDINALITY AS x(user_id, kind, notification_ids, all_notifications, unread_delta, created_at, ord)
      ),
      per_user AS (
        SELECT e.user_id, count(*) AS n, sum(e.unread_delta)::integer AS d FROM e GROUP BY e.user_id
      ),
      -- A new head starts at the user's first events (its deltas are never
      -- negative: nothing can be read before it arrived). The CHECK on
      -- unread_count is tested on the proposed row, hence greatest().
      heads AS (
        INSERT INTO user_feeds AS f (user_id, seq, unread_count)
        SELECT p.user_id, p.n, greatest(p.d, 0) FROM per_user p ORDER BY p.user_id
        ON CONFLICT (user_id) DO UPDATE
          SET seq = f.seq + EXCLUDED.seq,
              unread_count = f.unread_count + (SELECT p.d FROM per_user p WHERE p.user_id = EXCLUDED.user_id)
        RETURNING f.user_id, f.seq, f.unread_count
      ),
      numbered AS (
        SELECT e.ord, e.user_id, e.kind, e.notification_ids, e.all_notifications, e.created_at,
               h.seq - p.n + row_number() OVER (PARTITION BY e.user_id ORDER BY e.ord) AS seq,
               (h.unread_count - p.d + sum(e.unread_delta) OVER (PARTITION BY e.user_id ORDER BY e.ord))::integer
                 AS unread_count
        FROM e JOIN heads h ON h.user_id = e.user_id JOIN per_user p ON p.user_id = e.user_id
      ),
      appended AS (
        INSERT INTO feed_events (user_id, seq, kind, notification_ids, all_notifications, unread_count, created_at)
        SELECT n.user_id, n.seq, n.kind, n.notification_ids, n.all_notifications, n.unread_count, n.created_at
        FROM numbered n
      )
      SELECT n.ord, n.user_id, n.seq, n.unread_count FROM numbered n ORDER BY n.ord
    $fn$;
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query("DROP FUNCTION herald_feed_append(jsonb)");
};
