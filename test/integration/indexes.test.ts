import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrator.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url);
  // 200 users x 500 notifications, a few read, archived and in other categories.
  await db.query(`
    INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at, read_at, archived_at)
    SELECT gen_random_uuid(), 'default', 'user-' || u, s, CASE WHEN s % 7 = 0 THEN 'billing' ELSE 'social' END, 't', 'b', 'normal', now(),
           CASE WHEN s % 3 = 0 THEN now() END, CASE WHEN s % 11 = 0 THEN now() END
    FROM generate_series(1, 200) u, generate_series(1, 500) s`);
  await db.query("ANALYZE notifications");
});
afterAll(() => db.close());

async function plan(where: string): Promise<string> {
  const rows = await db.query<{ "QUERY PLAN": string }>(
    `EXPLAIN SELECT * FROM notifications n WHERE n.tenant_id = 'default' AND n.user_id = 'user-7' AND n.seq IS NOT NULL AND ${where} ORDER BY n.seq DESC LIMIT 21`,
  );
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe("each List filter has an index that serves it", () => {
  it.each([
    ["inbox", "n.archived_at IS NULL", "notifications_inbox"],
    ["inbox, next page", "n.archived_at IS NULL AND n.seq < 300", "notifications_inbox"],
    ["unread", "n.archived_at IS NULL AND n.read_at IS NULL", "notifications_unread"],
    ["category", "n.archived_at IS NULL AND n.category = 'billing'", "notifications_category"],
    ["archived", "n.archived_at IS NOT NULL", "notifications_archived"],
  ])("%s", async (_, where, index) => {
    const text = await plan(where);
    expect(text).toContain(`Index Scan using ${index}`);
    expect(text).not.toMatch(/Seq Scan|Sort/);
  });
});
