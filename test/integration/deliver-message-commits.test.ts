import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { createRetryPolicy } from "../../src/domain/retry-policy.js";
import { defaultTenant } from "../../src/domain/tenant.js";
import { channelStore } from "../../src/store/channel-store.js";
import type { Database, Queryable } from "../../src/store/database.js";
import { deliveryStore } from "../../src/store/delivery-store.js";
import { createDeliverMessage } from "../../src/usecases/deliver-message.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// Concurrent deliveries share their statements: fewer commits than deliveries
// (it was two writes, so two commits, each; and a read). The provider is a stub
// here (the SMTP path is tested in test/dispatch); Postgres is real.
const migrated = useMigratedDatabase({ poolMax: 6 });
let db: Database;

beforeAll(async () => {
  db = migrated.db;
  await channelStore.register(db, ["email"]);
});

it("delivers 60 concurrent emails in far fewer statements than deliveries, each sent and recorded once", async () => {
  const notificationId = randomUUID();
  await db.exec(
    `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
     VALUES ($1, 'default', 'u', NULL, 'c', 't', 'b', 'normal', now())`,
    [notificationId],
  );
  const ids = Array.from({ length: 60 }, () => randomUUID());
  await db.exec(
    `INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, attempts, due_at)
     SELECT id, 'default', $2, 'email', id::text, 'pending', 0, now() FROM unnest($1::uuid[]) AS id`,
    [ids, notificationId],
  );
  // Every statement outside a transaction commits on its own: count them.
  let statements = 0;
  const counted: Database = {
    ...db,
    rows: (sql, values) => {
      statements += 1;
      return db.rows(sql, values);
    },
    exec: (sql, values) => {
      statements += 1;
      return db.exec(sql, values);
    },
    transaction: <T>(work: (tx: Queryable) => Promise<T>) => {
      statements += 1;
      return db.transaction(work);
    },
  };
  const sent: string[] = [];
  const deliver = createDeliverMessage({
    db: counted,
    deliverers: {
      email: {
        async deliver(job) {
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
          sent.push(job.delivery.id);
          return { providerMessageId: `m-${job.delivery.id}` };
        },
      },
    },
    preferences: { forCategory: async () => new Map() },
    requiredCategories: [],
    tenantSettings: () => undefined,
    deadLetter: async () => undefined,
    publish: () => undefined,
    timing: { ...createRetryPolicy([1_000]), leaseMs: 60_000, timeoutMs: 5_000 },
  });
  const outcomes = await Promise.all(
    ids.map((deliveryId) => deliver({ deliveryId, notificationId, channel: "email", generation: 0 })),
  );
  expect(outcomes.every((o) => o.kind === "done")).toBe(true);
  expect(sent.sort()).toEqual([...ids].sort());
  // Before: 3 statements per delivery (read, lease, result), 180 here.
  expect(statements).toBeLessThan(ids.length);
  for (const d of await deliveryStore.forNotification(db, defaultTenant, notificationId)) {
    expect(d.status).toBe("sent");
    expect(d.history?.map((a) => a.outcome)).toEqual(["sent"]);
  }
});
