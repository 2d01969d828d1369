import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import { createDatabase, type Database } from "../../src/store/database.js";
import { feedLog } from "../../src/store/feed-log.js";
import { migrate } from "../../src/store/migrator.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";

let db: TestDatabase;
let pool: Database;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url);
  pool = createDatabase({ url: db.url, poolMax: 2 });
  // Three users with 1..5 created events each, and a read event for user-2;
  // user-3's first two events were pruned, and one notification was deleted.
  await db.query(`
    INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
    SELECT ('00000000-0000-7000-8000-' || lpad((u * 10 + s)::text, 12, '0'))::uuid, 'default', 'user-' || u, s, 'c', 'n' || u || '-' || s, 'b', 'normal', now()
    FROM generate_series(1, 3) u, generate_series(1, 5) s`);
  await db.query(`
    INSERT INTO feed_events (tenant_id, user_id, seq, kind, notification_ids, unread_count)
    SELECT 'default', 'user-' || u, s, 'created', ARRAY[('00000000-0000-7000-8000-' || lpad((u * 10 + s)::text, 12, '0'))::uuid], s
    FROM generate_series(1, 3) u, generate_series(1, 5) s`);
  await db.query(
    "INSERT INTO feed_events (tenant_id, user_id, seq, kind, notification_ids, all_notifications, unread_count) VALUES ('default', 'user-2', 6, 'read', '{}', true, 0)",
  );
  await db.query("DELETE FROM feed_events WHERE user_id = 'user-3' AND seq <= 2");
  await db.query("DELETE FROM notifications WHERE user_id = 'user-1' AND seq = 4");
});
afterAll(async () => {
  await pool?.close();
  await db?.close();
});

describe("reading many streams' catch-ups in one query", () => {
  it("answers each (user, seq) exactly as its own query would, in the order asked", async () => {
    const requests = [
      { tenantId: defaultTenant, userId: "user-2", after: 3 },
      { tenantId: defaultTenant, userId: "user-1", after: 0 },
      { tenantId: defaultTenant, userId: "user-3", after: 0 },
      { tenantId: defaultTenant, userId: "user-1", after: 3 },
      { tenantId: defaultTenant, userId: "user-2", after: 6 },
      { tenantId: defaultTenant, userId: "nobody", after: 0 },
    ];
    for (const limit of [2, 200]) {
      const together = await feedLog.eventsAfterEach(pool, requests, limit);
      const alone = await Promise.all(
        requests.map((r) => feedLog.eventsAfter(pool, r.tenantId, r.userId, r.after, limit)),
      );
      expect(together).toEqual(alone);
    }
    const [user2] = await feedLog.eventsAfterEach(pool, [{ tenantId: defaultTenant, userId: "user-2", after: 3 }], 200);
    expect(user2?.events.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(user2).toMatchObject({ firstSeq: 4, lastSeq: 6, more: false });
    expect(await feedLog.eventsAfterEach(pool, [], 10)).toEqual([]);
  });
});
