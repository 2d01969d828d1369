import type { Migration } from "../migrator.js";

/**
 * herald_feed_append per tenant: each event names its tenant (`tenant_id`),
 * heads and events are written with it, and a user's head is found by
 * (tenant_id, user_id), the key 0013 gave user_feeds. The same user id in two
 * tenants is two feeds. Otherwise as 0008: heads locked in (tenant, user)
 * order, seqs consecutive per feed in array order, results in array order.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE OR REPLACE FUNCTION herald_feed_append(events jsonb)
    RETURNS TABLE (ord integer, user_id text, seq bigint, unread_count integer)
    LANGUAGE sql AS $fn$
      WITH e AS (
        SELECT x.ord::integer AS ord, x.tenant_id, x.user_id, x.kind, x.notification_ids,
               coalesce(x.all_notifications, false) AS all_notifications, x.unread_delta,
               coalesce(x.created_at, now()) AS created_at
        FROM ROWS FROM (jsonb_to_recordset(events) AS (tenant_id text, user_id text, kind text,
               notification_ids uuid[], all_notifications boolean, unread_delta integer, created_at timestamptz))
          WITH ORDINALITY AS x(tenant_id, user_id, kind, notification_ids, all_notifications, unread_delta,
               created_at, ord)
      ),
      per_user AS (
        SELECT e.tenant_id, e.user_id, count(*) AS n, sum(e.unread_delta)::integer AS d
        FROM e GROUP BY e.tenant_id, e.user_id
      ),
      deltas AS (SELECT jsonb_object_agg(p.tenant_id || '/' || p.user_id, p.d) AS by_user FROM per_user p),
      heads AS (
        INSERT INTO user_feeds AS f (tenant_id, user_id, seq, unread_count)
        SELECT p.tenant_id, p.user_id, p.n, greatest(p.d, 0) FROM per_user p ORDER BY p.tenant_id, p.user_id
        ON CONFLICT (tenant_id, user_id) DO UPDATE
          SET seq = f.seq + EXCLUDED.seq,
              unread_count = f.unread_count
                + ((SELECT by_user FROM deltas) ->> (EXCLUDED.tenant_id || '/' || EXCLUDED.user_id))::integer
        RETURNING f.tenant_id, f.user_id, f.seq, f.unread_count
      ),
      numbered AS (
        SELECT e.ord, e.tenant_id, e.user_id, e.kind, e.notification_ids, e.all_notifications, e.created_at,
               h.seq - p.n + row_number() OVER (PARTITION BY e.tenant_id, e.user_id ORDER BY e.ord) AS seq,
               (h.unread_count - p.d
                 + sum(e.unread_delta) OVER (PARTITION BY e.tenant_id, e.user_id ORDER BY e.ord))::integer
                 AS unread_count
        FROM e
        JOIN heads h ON h.tenant_id = e.tenant_id AND h.user_id = e.user_id
        JOIN per_user p ON p.tenant_id = e.tenant_id AND p.user_id = e.user_id
      ),
      appended AS (
        INSERT INTO feed_events
          (tenant_id, user_id, seq, kind, notification_ids, all_notifications, unread_count, created_at)
        SELECT n.tenant_id, n.user_id, n.seq, n.kind, n.notification_ids, n.all_notifications, n.unread_count,
               n.created_at
        FROM numbered n
      )
      SELECT n.ord, n.user_id, n.seq, n.unread_count FROM numbered n ORDER BY n.ord
    $fn$;
  `);
};
