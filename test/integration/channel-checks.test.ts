import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelStore } from "../../src/store/channel-store.js";
import { createDatabase, type Database } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrator.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

// Which channel ids the database accepts comes from the code's registry: the
// channels table, and checks on the hot tables derived from it.
let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrate(testDb.url);
  db = createDatabase({ url: testDb.url, poolMax: 2 });
});
afterAll(async () => {
  await db.close();
  await testDb.close();
});

async function insertDelivery(channel: string): Promise<void> {
  const notificationId = randomUUID();
  await db.transaction(async (tx) => {
    await tx.exec(
      `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
       VALUES ($1, 'default', 'u', NULL, 'c', 't', 'b', 'normal', now())`,
      [notificationId],
    );
    const deliveryId = randomUUID();
    await tx.exec(
      `INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, attempts, due_at)
       VALUES ($1, 'default', $2, $3, '', 'pending', 0, now())`,
      [deliveryId, notificationId, channel],
    );
    await tx.exec(
      `INSERT INTO outbox (delivery_id, tenant_id, channel, lane, generation, available_at)
       VALUES ($1, 'default', $2, 'bulk', 0, now())`,
      [deliveryId, channel],
    );
  });
}

describe("the channels the database accepts", () => {
  it("refuses a delivery on a channel the code never registered", async () => {
    const error = await rejection(insertDelivery("pigeon"));
    expect((error as { code?: string }).code).toBe("23514"); // check_violation
  });

  it("accepts it once a process registers the channel, and stays checked for the rest", async () => {
    await channelStore.register(db, ["in_app", "email", "pigeon"]);
    await insertDelivery("pigeon");
    await insertDelivery("email");
    expect(((await rejection(insertDelivery("owl"))) as { code?: string }).code).toBe("23514");
    // Registering what is known already changes nothing (no DDL on every start).
    const before = await testDb.query<{ oid: number }>(
      "SELECT oid FROM pg_constraint WHERE conname = 'deliveries_channel'",
    );
    await channelStore.register(db, ["in_app", "pigeon"]);
    expect(await testDb.query("SELECT oid FROM pg_constraint WHERE conname = 'deliveries_channel'")).toEqual(before);
  });

  it("keeps templates, preferences and endpoints referencing the channels table", async () => {
    const refs = await testDb.query<{ conname: string }>(
      `SELECT conname FROM pg_constraint WHERE contype = 'f' AND confrelid = 'channels'::regclass ORDER BY conname`,
    );
    expect(refs.map((r) => r.conname)).toEqual(
      expect.arrayContaining(["preferences_channel", "templates_channel", "webhook_endpoints_channel_fkey"]),
    );
  });
});
