import pg from "pg";
import { defaultTenant } from "../../src/domain/tenant.js";

/**
 * Fills a migrated Herald database with `users` inboxes of `perUser`
 * notifications each, straight in SQL: the rows Send would have written to
 * `notifications` (with their feed `seq`) and each user's head in `user_feeds`,
 * in the default tenant (that of user tokens without a `tenant` claim).
 * Rows go in time order across users (seq 1 of every user, then seq 2...), so a
 * user's notifications are spread over the table as they are in production.
 * Each id is a UUIDv7 of its row's created_at, as Send makes them
 * (SearchNotifications turns time filters into id bounds).
 * Herald's secondary indexes on notifications are dropped first and rebuilt
 * afterwards from their own definitions (pg_indexes.indexdef, exactly what the
 * migrations created), which is several times faster than maintaining them row
 * by row. Feed events are not written: List does not read them.
 */
export interface ListDataOptions {
  url: string;
  users: number;
  perUser: number;
  /** The oldest `readPerUser` notifications of each user are read; the rest count as unread. */
  readPerUser: number;
  userPrefix: string;
  log: (text: string) => void;
}

export interface ListDataTimings {
  insertSeconds: number;
  indexSeconds: number;
  analyzeSeconds: number;
  totalSeconds: number;
  tableBytes: number;
  indexBytes: number;
}

const categories = ["orders", "messages", "security", "billing", "social"];

export async function loadListData(o: ListDataOptions): Promise<ListDataTimings> {
  const t0 = performance.now();
  const connect = async () => {
    const c = new pg.Client({ connectionString: o.url });
    await c.connect();
    await c.query("SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 0");
    return c;
  };
  // Two connections: each Postgres backend uses one core, and there are two.
  const conns = [await connect(), await connect()];
  const [main] = conns as [pg.Client, pg.Client];
  try {
    const { rows: indexes } = await main.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
       WHERE schemaname = current_schema() AND tablename = 'notifications'
         AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'notifications'::regclass)`,
    );
    for (const index of indexes) await main.query(`DROP INDEX ${main.escapeIdentifier(index.name)}`);

    // Half the users on each connection; one statement (and commit) per seq.
    const half = Math.ceil(o.users / 2);
    let done = 0;
    const insert = async (c: pg.Client, from: number, to: number) => {
      for (let seq = 1; seq <= o.perUser; seq++) {
        await c.query(
          `INSERT INTO notifications
             (id, tenant_id, user_id, seq, category, title, body, action_url, data, priority, sender_key_id, created_at,
              send_at, read_at)
           SELECT uuidv7(x.t - now()), $8, $1 || u, $2::bigint, $3, 'Your order ' || u || '-' || $2 || ' has shipped',
             'It left our warehouse today and should arrive within two to three business days.',
             'https://example.com/orders/' || u, NULL, 'normal', 'benchkey', t, t, CASE WHEN $2 <= $4 THEN t END
           FROM generate_series($5::int, $6::int) AS u,
             LATERAL (SELECT now() - make_interval(mins => ($7 - $2::int) * 60)) AS x(t)`,
          [o.userPrefix, seq, categories[seq % categories.length], o.readPerUser, from, to, o.perUser, defaultTenant],
        );
        if (++done % 20 === 0) o.log(`loaded ${Math.round((done / (2 * o.perUser)) * 100)}%`);
      }
    };
    await Promise.all([insert(conns[0] as pg.Client, 0, half - 1), insert(conns[1] as pg.Client, half, o.users - 1)]);
    await main.query(
      `INSERT INTO user_feeds (tenant_id, user_id, seq, unread_count)
       SELECT $5, $1 || u, $2::bigint, $3::int FROM generate_series(0, $4::int - 1) AS u`,
      [o.userPrefix, o.perUser, o.perUser - o.readPerUser, o.users, defaultTenant],
    );
    const t1 = performance.now();
    o.log(`inserted ${(o.users * o.perUser).toLocaleString("en-US")} rows in ${((t1 - t0) / 1000).toFixed(1)} s`);

    // Rebuild the indexes, two at a time.
    const queue = [...indexes];
    await Promise.all(
      conns.map(async (c) => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) await c.query(index.def);
      }),
    );
    const t2 = performance.now();
    o.log(`rebuilt ${indexes.length} indexes in ${((t2 - t1) / 1000).toFixed(1)} s`);
    // VACUUM sets hint bits and the visibility map, as autovacuum would have by
    // now on a table written over time; ANALYZE gives the planner statistics.
    await Promise.all([main.query("VACUUM (ANALYZE) notifications"), conns[1]?.query("VACUUM (ANALYZE) user_feeds")]);
    const t3 = performance.now();
    o.log(`vacuumed and analyzed in ${((t3 - t2) / 1000).toFixed(1)} s`);
    const { rows } = await main.query<{ table_bytes: string; index_bytes: string }>(
      "SELECT pg_table_size('notifications') AS table_bytes, pg_indexes_size('notifications') AS index_bytes",
    );
    return {
      insertSeconds: (t1 - t0) / 1000,
      indexSeconds: (t2 - t1) / 1000,
      analyzeSeconds: (t3 - t2) / 1000,
      totalSeconds: (t3 - t0) / 1000,
      tableBytes: Number(rows[0]?.table_bytes),
      indexBytes: Number(rows[0]?.index_bytes),
    };
  } finally {
    await Promise.all(conns.map((c) => c.end()));
  }
}
