import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import { attemptStore } from "../../src/store/attempt-store.js";
import { channelStore } from "../../src/store/channel-store.js";
import { createDatabase, type Database } from "../../src/store/database.js";
import { deliveryStore } from "../../src/store/delivery-store.js";
import { migrate } from "../../src/store/migrator.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";

// A delivery read while a worker records its attempts: the status and error
// always match the attempts read with them (one snapshot), never an attempt's
// outcome next to the 'sending' status it replaced.
let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrate(testDb.url);
  db = createDatabase({ url: testDb.url, poolMax: 4 });
  await channelStore.register(db, ["email"]);
});
afterAll(async () => {
  await db.close();
  await testDb.close();
});

it("reads a delivery and its attempts as of one moment, while attempts are being recorded", async () => {
  const notificationId = randomUUID();
  const deliveryId = randomUUID();
  await db.exec(
    `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
     VALUES ($1, 'default', 'u', NULL, 'c', 't', 'b', 'normal', now())`,
    [notificationId],
  );
  await db.exec(
    `INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, attempts, due_at)
     VALUES ($1, 'default', $2, 'email', '', 'pending', 0, now())`,
    [deliveryId, notificationId],
  );
  let writing = true;
  const writer = (async () => {
    for (let i = 1; i <= 300; i++) {
      const lease = await attemptStore.lease(db, deliveryId, 60_000);
      if (lease === null) throw new Error("the delivery could not be leased");
      await attemptStore.recordFailure(db, deliveryId, lease, {
        provider: "p",
        permanent: false,
        dead: false,
        error: `failure ${i}`,
        nextAttemptAt: new Date(),
      });
    }
    writing = false;
  })();
  let reads = 0;
  const mismatches: string[] = [];
  while (writing) {
    const d = await deliveryStore.get(db, defaultTenant, deliveryId);
    reads += 1;
    const last = d?.history?.at(-1);
    if (d === null || last === undefined) continue;
    // Attempts recorded up to the delivery's count; the last one's error is the delivery's.
    const finished = last.number === d.attempts;
    if (finished && (d.status === "sending" || d.lastError !== last.error)) {
      mismatches.push(`${d.status} ${d.attempts} '${d.lastError}' beside attempt ${last.number} '${last.error}'`);
    }
  }
  await writer;
  expect(reads).toBeGreaterThan(0);
  expect(mismatches).toEqual([]);
});
