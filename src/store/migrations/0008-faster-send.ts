import type { Migration } from "../migrator.js";

/**
 * Send, faster for large batches (a 1,000-recipient Send had become slower
 * than before 0005/0006; bench scenario 2):
 * - herald_feed_append, unchanged in what it does, looks the user's unread
 *   delta up once per statement: 0005 read it with a subquery per conflicting
 *   head, a scan of every user in the batch each time (a 1,000-user Send spent
 *   50 ms there). Now the deltas are one jsonb object, built once (an
 *   InitPlan), and each head finds its own by key.
 * - The channel columns of the two tables every Send writes row by row,
 *   deliveries and outbox, check a list again instead of referencing the
 *   channels table: a foreign key costs a trigger and an index probe per row
 *   (about 4 ms of a 1,000-recipient Send's 40). The list is derived from the
 *   channels table by herald_derive_channel_checks(), which each process runs
 *   when it registers a channel the table did not have yet
 *   (store/channel-store.ts); the other channel columns keep their foreign
 *   keys.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE OR REPLACE FUNCTION herald_feed_append(events jsonb)
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
      deltas AS (SELECT jsonb_object_agg(p.user_id, p.d) AS by_user FROM per_user p),
      -- A new head starts at the user's first events (its deltas are never
      -- negative: nothing can be read before it arrived). The CHECK on
      -- unread_count is tested on the proposed row, hence greatest(); an
      -- existing head adds the real delta, which may be negative.
      heads AS (
        INSERT INTO user_feeds AS f (user_id, seq, unread_count)
        SELECT p.user_id, p.n, greatest(p.d, 0) FROM per_user p ORDER BY p.user_id
        ON CONFLICT (user_id) DO UPDATE
          SET seq = f.seq + EXCLUDED.seq,
              unread_count = f.unread_count + ((SELECT by_user FROM deltas) ->> EXCLUDED.user_id)::integer
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

    CREATE FUNCTION herald_derive_channel_checks() RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE ids text;
      BEGIN
        SELECT string_agg(quote_literal(id), ', ' ORDER BY id) INTO ids FROM channels;
        -- NOT VALID: rows already there were checked by the list before; no table scan.
        EXECUTE format('ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_channel, '
          'ADD CONSTRAINT deliveries_channel CHECK (channel IN (%s)) NOT VALID', ids);
        EXECUTE format('ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_channel, '
          'ADD CONSTRAINT outbox_channel CHECK (channel IN (%s)) NOT VALID', ids);
      END
    $fn$;
    SELECT herald_derive_channel_checks();
  `);
};

/** Back to 0005's body: the same results, slower for large batches. */
export const down: Migration = async (params) => {
  const { up: original } = await import("./0005-feed-log.js");
  await params.context.query(`
    DROP FUNCTION herald_derive_channel_checks();
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel,
      ADD CONSTRAINT deliveries_channel FOREIGN KEY (channel) REFERENCES channels (id);
    ALTER TABLE outbox DROP CONSTRAINT outbox_channel,
      ADD CONSTRAINT outbox_channel FOREIGN KEY (channel) REFERENCES channels (id);
  `);
  await params.context.query("DROP FUNCTION herald_feed_append(jsonb)");
  await original(params);
};
