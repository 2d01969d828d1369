import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Lane } from "../../src/domain/lane.js";
import type { Queryable } from "../../src/store/database.js";
import { outboxStore } from "../../src/store/outbox-store.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// The outbox's fair reads against real Postgres: the skip scan over
// (channel, lane, tenant) queues and the per-queue claim the relay makes.
const holder = useMigratedDatabase();

/** Queues `count` email deliveries of a tenant in a lane, due `inMs` from now. */
async function queue(q: Queryable, tenantId: string, count: number, lane: Lane = "bulk", inMs = -1_000) {
  await q.exec(
    `WITH n AS (
       INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
       SELECT gen_random_uuid(), $1, 'u' || i, NULL, 'c', 't', 'b', 'normal', now() FROM generate_series(1, $2) i
       RETURNING id),
     d AS (
       INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, attempts, due_at)
       SELECT gen_random_uuid(), $1, n.id, 'email', 'x@example.com', 'pending', 0, now() FROM n
       RETURNING id)
     INSERT INTO outbox (delivery_id, tenant_id, channel, lane, generation, available_at)
     SELECT d.id, $1, 'email', $3, 0, now() + make_interval(secs => $4::float8 / 1000) FROM d`,
    [tenantId, count, lane, inMs],
  );
}

async function tenant(id: string) {
  await holder.db.exec("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  return id;
}

async function clear() {
  await holder.db.exec("DELETE FROM outbox");
}

describe("outbox queues", () => {
  it("lists each tenant's due rows of a channel and lane once, however many rows it has", async () => {
    await clear();
    const a = await tenant(`fair-a-${randomUUID().slice(0, 8)}`);
    const b = await tenant(`fair-b-${randomUUID().slice(0, 8)}`);
    const later = await tenant(`fair-c-${randomUUID().slice(0, 8)}`);
    await queue(holder.db, a, 3_000);
    await queue(holder.db, b, 2);
    await queue(holder.db, b, 1, "urgent");
    await queue(holder.db, later, 5, "bulk", 3_600_000); // not due for an hour
    const { due, stoppedAt } = await outboxStore.dueQueues(holder.db, null, 100);
    expect(stoppedAt).toBeNull();
    expect(due).toEqual([
      { channel: "email", lane: "bulk", tenantId: a },
      { channel: "email", lane: "bulk", tenantId: b },
      { channel: "email", lane: "urgent", tenantId: b },
    ]);
  });

  it("visits at most the limit and goes on from where it stopped", async () => {
    await clear();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await tenant(`walk-${i}-${randomUUID().slice(0, 8)}`));
    for (const id of ids) await queue(holder.db, id, 3);
    const seen: string[] = [];
    let after = null;
    for (let round = 0; round < 3; round++) {
      const { due, stoppedAt } = await outboxStore.dueQueues(holder.db, after, 2);
      seen.push(...due.map((q) => q.tenantId));
      after = stoppedAt;
      if (round < 2) expect(stoppedAt).not.toBeNull();
    }
    expect(after).toBeNull();
    expect(seen).toEqual([...ids].sort());
  });

  it("claims what each queue is given, oldest first, and skips rows another relay holds", async () => {
    await clear();
    const a = await tenant(`claim-a-${randomUUID().slice(0, 8)}`);
    const b = await tenant(`claim-b-${randomUUID().slice(0, 8)}`);
    await queue(holder.db, a, 50, "bulk", -2_000);
    await queue(holder.db, a, 50, "bulk", -1_000);
    await queue(holder.db, b, 3);
    await holder.db.transaction(async (first) => {
      const items = await outboxStore.claim(first, [
        { channel: "email", lane: "bulk", tenantId: a, take: 10 },
        { channel: "email", lane: "bulk", tenantId: b, take: 10 },
      ]);
      expect(items.filter((i) => i.tenantId === a)).toHaveLength(10);
      expect(items.filter((i) => i.tenantId === b)).toHaveLength(3);
      expect(items.every((i) => i.lane === "bulk" && i.channel === "email" && i.notificationId !== "")).toBe(true);
      // The oldest of a's rows came first.
      const [oldest] = await first.rows<{ id: number }>(
        "SELECT id FROM outbox WHERE tenant_id = $1 ORDER BY available_at, id LIMIT 1",
        [a],
      );
      expect(items.map((i) => i.outboxId)).toContain(oldest?.id);
      await holder.db.transaction(async (second) => {
        const others = await outboxStore.claim(second, [
          { channel: "email", lane: "bulk", tenantId: a, take: 100 },
          { channel: "email", lane: "bulk", tenantId: b, take: 100 },
        ]);
        expect(others.filter((i) => i.tenantId === a)).toHaveLength(90);
        expect(others.filter((i) => i.tenantId === b)).toHaveLength(0);
        const mine = new Set(items.map((i) => i.outboxId));
        expect(others.some((i) => mine.has(i.outboxId))).toBe(false);
      });
    });
  });

  it("finds the next queue by index probes, not by reading a tenant's rows", async () => {
    await clear();
    const a = await tenant(`plan-a-${randomUUID().slice(0, 8)}`);
    await queue(holder.db, a, 20_000);
    await holder.db.exec("ANALYZE outbox");
    const rows = await holder.db.rows<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
       SELECT o.channel, o.lane, o.tenant_id FROM outbox o
       WHERE (o.channel, o.lane, o.tenant_id) > ('email', 'bulk', '') ORDER BY o.channel, o.lane, o.tenant_id LIMIT 1`,
    );
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).toContain("outbox_fair");
    expect(plan).not.toMatch(/Seq Scan|Sort/);
  });
});
