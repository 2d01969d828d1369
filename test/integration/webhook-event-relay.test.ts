import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookEventRelay } from "../../src/dispatch/webhook-event-relay.js";
import { createDatabase, type Database } from "../../src/store/database.js";
import { eventLog } from "../../src/store/event-log.js";
import * as webhookEventsMigration from "../../src/store/migrations/0023-webhook-events.js";
import { migrate } from "../../src/store/migrator.js";
import { relayPageSql, webhookEventRelayStore } from "../../src/store/webhook-event-relay-store.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";

// The webhook event relay against Postgres alone (no NATS: the outbox is where
// its work ends): bounded rounds, one round at a time, the cursor moving with
// the deliveries, and migration 0023 going down and up.

let testDb: TestDatabase;
const store = {} as { db: Database };
beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrate(testDb.url);
  store.db = createDatabase({ url: testDb.url, poolMax: 4 });
});
afterAll(async () => {
  await store.db?.close();
  await testDb?.close();
});

async function notificationRead(category: string): Promise<string> {
  const id = randomUUID();
  await store.db.exec(
    `INSERT INTO notifications (id, tenant_id, user_id, category, title, body, priority, send_at)
     VALUES ($1, 'default', 'u', $2, 't', 'b', 'high', now())`,
    [id, category],
  );
  await store.db.exec(
    `INSERT INTO feed_events (tenant_id, user_id, seq, kind, notification_ids, unread_count)
     VALUES ('default', 'u', (SELECT coalesce(max(seq), 0) + 1 FROM feed_events WHERE user_id = 'u'), 'read',
       ARRAY[$1::uuid], 0)`,
    [id],
  );
  return id;
}

async function endpoint(eventTypes: string[], categories: string[]): Promise<string> {
  const id = randomUUID();
  await store.db.exec(
    `INSERT INTO webhook_endpoints (id, tenant_id, channel, url, categories, secret, event_types)
     VALUES ($1, 'default', 'webhook', 'http://127.0.0.1:9/hook', $2::text[], 'whsec_x', $3::text[])`,
    [id, categories, eventTypes],
  );
  return id;
}

const cursor = async () =>
  Number((await store.db.rows<{ seq: string }>("SELECT seq FROM webhook_event_cursor"))[0]?.seq);

describe("the webhook event relay", () => {
  it("handles at most a batch of seqs a round, queues a delivery per matching endpoint, and moves its cursor with them", async () => {
    const { db } = store;
    const reads = await endpoint(["notification.read"], ["relay"]);
    await endpoint(["notification.archived"], []);
    await endpoint(["notification.read"], ["other"]);
    const ids = [await notificationRead("relay.a"), await notificationRead("relay.b"), await notificationRead("x")];
    await eventLog.sequence(db, 1000);
    const head = (await eventLog.head(db)).seq;
    expect(head).toBe(6); // created + read, three times
    let queued = 0;
    const relay = createWebhookEventRelay({ db, batch: 4, intervalMs: 1000, onQueued: () => queued++ });
    expect(await relay.task.run()).toBe(true);
    expect(await cursor()).toBe(4);
    expect(await relay.task.run()).toBe(false);
    expect(await cursor()).toBe(6);
    expect(await relay.task.run()).toBe(false);

    const rows = await db.rows<{ notification_id: string; target: string; event_seq: string; lane: string }>(
      `SELECT d.notification_id, d.target, d.event_seq, o.lane FROM deliveries d JOIN outbox o ON o.delivery_id = d.id
       WHERE d.event_seq <> 0 ORDER BY d.event_seq`,
    );
    expect(rows.map((r) => [r.notification_id, r.target, r.lane])).toEqual([
      [ids[0], reads, "urgent"],
      [ids[1], reads, "urgent"],
    ]);
    expect(queued).toBe(1); // once for the round that wrote them
  });

  it("reads events per subscribed tenant through events_tenant_seq, not the whole log", async () => {
    // A tiny table would be scanned whatever the indexes: ask for the plan a large log gets.
    const plan = await store.db.transaction(async (tx) => {
      await tx.exec("SET LOCAL enable_seqscan = off");
      return tx.rows(`EXPLAIN (FORMAT JSON) ${relayPageSql}`, [0, 500]);
    });
    const text = JSON.stringify(plan);
    expect(text).toContain("events_tenant_seq");
    expect(text).not.toMatch(
      /"Seq Scan","Parallel Aware":(true|false),"Async Capable":(true|false),"Relation Name":"events"/,
    );
  });

  it("runs one round at a time: a second finds the cursor taken and does nothing", async () => {
    const { db } = store;
    await db.transaction(async (tx) => {
      expect(await webhookEventRelayStore.claim(tx)).not.toBeNull();
      await db.transaction(async (other) => expect(await webhookEventRelayStore.claim(other)).toBeNull());
    });
  });

  it("migration 0023 goes down and up again", async () => {
    // Several statements at once, as the migrator runs them (the simple query protocol).
    const context = { query: (sql: string) => testDb.query(sql) };
    await webhookEventsMigration.down({ context, name: "0023-webhook-events", path: "" } as never);
    const [gone] = await store.db.rows<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'webhook_event_cursor'",
    );
    expect(gone?.n).toBe(0);
    await webhookEventsMigration.up({ context, name: "0023-webhook-events", path: "" } as never);
    expect(await cursor()).toBe((await eventLog.head(store.db)).seq);
  });
});
