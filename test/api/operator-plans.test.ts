import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrator.js";
import { type SearchFilters, searchStatement } from "../../src/store/notification-search.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";

// SearchNotifications must stay fast on a 10M-row table (bench scenario 5):
// each single filter, and none, is answered from an index, never a
// sequential scan of notifications. 40,000 rows in time order (UUIDv7-like
// ids), 400 users, 1% of the email deliveries dead, are enough for the
// planner to show which index it would use.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url);
  await db.query(`
    INSERT INTO api_keys (id, tenant_id, name, secret_hash, scopes) VALUES ('k1', 'default', 'k', '\\x00', '{send}');
    INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at, created_at)
    SELECT (lpad(to_hex(1700000000000 + i * 10), 12, '0') || '7000' || '8000' || lpad(to_hex(i), 12, '0'))::uuid,
           'default', 'user-' || (i % 400), i, CASE WHEN i % 7 = 0 THEN 'billing' ELSE 'social' END, 't', 'b', 'normal',
           now(), to_timestamp((1700000000000 + i * 10) / 1000.0)
    FROM generate_series(1, 40000) i;
    INSERT INTO deliveries (id, tenant_id, notification_id, channel, status, due_at)
    SELECT n.id, n.tenant_id, n.id, 'email', CASE WHEN n.seq % 100 = 0 THEN 'dead' ELSE 'sent' END, now() FROM notifications n;
    INSERT INTO idempotency_keys (api_key_id, key, request_hash, notification_ids)
    SELECT 'k1', 'key-' || n.seq, '\\x00', ARRAY[n.id] FROM notifications n;
    ANALYZE notifications; ANALYZE deliveries; ANALYZE idempotency_keys; ANALYZE api_keys;`);
});
afterAll(() => db.close());

/** The id the data above gives notification `i`. */
const idOf = (i: number) => {
  const hex = `${(1700000000000 + i * 10).toString(16).padStart(12, "0")}70008000${i.toString(16).padStart(12, "0")}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const none: SearchFilters = {
  userId: null,
  category: null,
  deliveryStatus: null,
  channel: null,
  createdAfter: null,
  createdBefore: null,
  idempotencyKey: null,
  notificationId: null,
  templateKey: null,
};

async function plan(filters: Partial<SearchFilters>, beforeId: string | null = null): Promise<string> {
  const { text, values } = searchStatement({
    tenantId: "default",
    filters: { ...none, ...filters },
    beforeId,
    limit: 25,
    scanBudget: 10_000,
    statusBudget: 100_000,
  });
  const rows = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, values);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe("each search filter is served by an index", () => {
  it.each([
    ["no filter", {}, "notifications_pkey"],
    ["user", { userId: "user-7" }, "notifications_by_user"],
    ["category (a bounded walk of the primary key)", { category: "billing" }, "notifications_pkey"],
    ["template (a bounded walk of the primary key)", { templateKey: "welcome" }, "notifications_pkey"],
    ["dead deliveries", { deliveryStatus: "dead" }, "deliveries_by_status"],
    [
      "sent deliveries (checked per notification)",
      { deliveryStatus: "sent" },
      "deliveries_notification_channel_target",
    ],
    ["channel", { channel: "email" }, "deliveries_notification_channel_target"],
    ["idempotency key", { idempotencyKey: "key-77" }, "idempotency_keys_pkey"],
    ["notification id", { notificationId: idOf(1) }, "notifications_pkey"],
    [
      "time range",
      { createdAfter: new Date(1700000100000), createdBefore: new Date(1700000200000) },
      "notifications_pkey",
    ],
  ] as const)("%s", async (_, filters, index) => {
    const text = await plan(filters as Partial<SearchFilters>);
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan on (notifications|deliveries|idempotency_keys)/);
  });

  it("a rare status probes its notifications by id, never walks the primary key", async () => {
    // The ids come from deliveries_by_status; each is one primary-key probe. A walk
    // down notifications_pkey testing every id took 0.8 s at 10M rows (bench 10).
    const text = await plan({ deliveryStatus: "dead" }, idOf(30_000));
    expect(text).toMatch(/Index Cond: \(\(tenant_id = 'default'::text\) AND \(status = 'dead'::text\)\)/);
    expect(text).toMatch(
      /Index (Only )?Scan using notifications_pkey on notifications n[^\n]*\n\s*Index Cond: \(id = s\.notification_id\)/,
    );
    expect(text).not.toMatch(/Backward using notifications_pkey/);
  });

  it("keeps that plan as a generic plan (Herald's statements are prepared; Postgres may stop planning per call)", async () => {
    const { text, values } = searchStatement({
      tenantId: "default",
      filters: { ...none, deliveryStatus: "dead" },
      beforeId: idOf(30_000),
      limit: 25,
      scanBudget: 10_000,
      statusBudget: 100_000,
    });
    // Only the tenant and the page's position and size are bound: the status and the budgets,
    // which choose the plan's shape, are written in, so a generic plan still knows them.
    expect(values).toEqual(["default", idOf(30_000), "default", 26]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("SET plan_cache_mode = force_generic_plan");
      await client.query(`PREPARE search AS ${text}`);
      const args = values.map((v) => (typeof v === "number" ? String(v) : client.escapeLiteral(String(v))));
      const rows = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE search(${args.join(", ")})`);
      const generic = rows.rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(generic).toMatch(/Index Cond: \(id = s\.notification_id\)/);
      expect(generic).not.toMatch(/Seq Scan on (notifications|deliveries)|Backward using notifications_pkey/);
    } finally {
      await client.end();
    }
  });

  it("a next page starts where the last ended, in the index", async () => {
    const text = await plan({ userId: "user-7" }, idOf(30_000));
    expect(text).toContain("notifications_by_user");
    expect(text).toMatch(/Index Cond: \(\(tenant_id = 'default'::text\) AND \(user_id = 'user-7'::text\) AND \(id < /);
    expect(text).not.toMatch(/Seq Scan/);
  });
});
