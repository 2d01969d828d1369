import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import { createAttemptJournal } from "../../src/store/attempt-journal.js";
import { attemptStore } from "../../src/store/attempt-store.js";
import { channelStore } from "../../src/store/channel-store.js";
import type { Database } from "../../src/store/database.js";
import type { Lease } from "../../src/store/delivery-store.js";
import { deliveryStore } from "../../src/store/delivery-store.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// Leases and attempt results written together (group commit): each member gets
// what its own statement would have given it, and fails only for its own fault.
const migrated = useMigratedDatabase({ poolMax: 6 });
let db: Database;

beforeAll(async () => {
  db = migrated.db;
  await channelStore.register(db, ["email"]);
});

/** `count` email deliveries of one notification, in `status`. */
async function deliveries(count: number, status = "pending"): Promise<string[]> {
  const notificationId = randomUUID();
  await db.exec(
    `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
     VALUES ($1, 'default', 'u', NULL, 'c', 't', 'b', 'normal', now())`,
    [notificationId],
  );
  const ids = Array.from({ length: count }, () => randomUUID());
  await db.exec(
    `INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, attempts, due_at)
     SELECT id, 'default', $2, 'email', id::text, $3, 0, now() FROM unnest($1::uuid[]) AS id`,
    [ids, notificationId, status],
  );
  return ids;
}

const failure = (error: string, dead = false) => ({
  provider: "p",
  permanent: dead,
  dead,
  error,
  nextAttemptAt: dead ? null : new Date(Date.now() + 60_000),
});

describe("the attempt journal", () => {
  it("writes the leases and results of concurrent deliveries in shared statements, each with its own answer", async () => {
    const ids = await deliveries(30);
    const [settled] = await deliveries(1, "sent");
    const batches: number[] = [];
    const journal = createAttemptJournal(db, { onBatch: (n) => batches.push(n) });

    const leases = await Promise.all([...ids, settled as string].map((id) => journal.lease(id, 60_000)));
    expect(leases.at(-1)).toBeNull(); // settled: nothing to lease
    expect(leases.slice(0, -1).every((l) => l?.attempt === 1 && l.generationAttempts === 1)).toBe(true);
    // Leased already (by the batch above): a second worker gets nothing.
    expect(await journal.lease(ids[0] as string, 60_000)).toBeNull();

    const recorded = await Promise.all(
      ids.map((id, i) => {
        const lease = leases[i] as Lease;
        if (i % 3 === 0) return journal.recordSent(id, lease, { providerMessageId: `m${i}`, provider: "smtp" });
        return journal.recordFailure(id, lease, failure(`no ${i}`, i % 3 === 2)).then(() => true);
      }),
    );
    expect(recorded.every(Boolean)).toBe(true);
    // 62 writes (31 leases, 1 refused lease, 30 results) in far fewer statements.
    expect(batches.reduce((a, b) => a + b, 0)).toBe(62);
    expect(batches.length).toBeLessThanOrEqual(6);

    for (const [i, id] of ids.entries()) {
      const d = await deliveryStore.get(db, defaultTenant, id);
      const status = ["sent", "failed", "dead"][i % 3];
      expect(d?.status).toBe(status);
      expect(d?.history).toHaveLength(1);
      expect(d?.history?.[0]?.outcome).toBe(i % 3 === 0 ? "sent" : i % 3 === 1 ? "transient_error" : "permanent_error");
      expect(d?.history?.[0]?.error).toBe(i % 3 === 0 ? "" : `no ${i}`);
      if (i % 3 === 0) expect(d?.providerMessageId).toBe(`m${i}`);
    }
  });

  it("reads the jobs of concurrent deliveries in one query, each its own (null for one that is gone)", async () => {
    const ids = await deliveries(10);
    const gone = randomUUID();
    const journal = createAttemptJournal(db);
    const jobs = await Promise.all([...ids, gone, (ids[3] as string).toUpperCase()].map((id) => journal.job(id)));
    expect(jobs.slice(0, 10).map((j) => j?.delivery.id)).toEqual(ids);
    expect(jobs[10]).toBeNull();
    expect(jobs[11]?.delivery.id).toBe(ids[3]);
    expect(jobs[0]?.notification.title).toBe("t");
  });

  it("two requests for one delivery in the same moment: one lease, never two", async () => {
    const [id] = (await deliveries(1)) as [string];
    const journal = createAttemptJournal(db);
    const leases = await Promise.all([journal.lease(id, 60_000), journal.lease(id, 60_000)]);
    expect(leases.filter((l) => l !== null)).toHaveLength(1);
  });

  it("a batch with one member Postgres refuses: the others are recorded, that one alone fails", async () => {
    const ids = await deliveries(5);
    const journal = createAttemptJournal(db);
    const leases = (await Promise.all(ids.map((id) => journal.lease(id, 60_000)))) as Lease[];
    // A NUL character is not storable in Postgres text: this result cannot be written.
    const outcomes = await Promise.allSettled(
      ids.map((id, i) => journal.recordFailure(id, leases[i] as Lease, failure(i === 2 ? "bad\u0000reply" : "busy"))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const statuses = await Promise.all(ids.map(async (id) => (await deliveryStore.get(db, defaultTenant, id))?.status));
    // The refused one keeps its lease: its worker retries, or the lease runs out and another takes it.
    expect(statuses).toEqual(["failed", "failed", "sending", "failed", "failed"]);
  });

  it("a worker that died between the send and its result: the next takes over after the lease, one delivery sent", async () => {
    const [id] = (await deliveries(1)) as [string];
    const journal = createAttemptJournal(db);
    const first = (await journal.lease(id, 200)) as Lease;
    expect(first).not.toBeNull();
    // The worker sent the email and died before its result was written: until
    // its lease runs out, nobody else may take the delivery.
    expect(await journal.lease(id, 60_000)).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    const second = (await journal.lease(id, 60_000)) as Lease;
    expect(second.attempt).toBe(2);
    // A late result from the first holder (if it had only stalled) is refused.
    expect(await journal.recordSent(id, first, { providerMessageId: "late" })).toBe(false);
    expect(await journal.recordSent(id, second, { providerMessageId: "m" })).toBe(true);
    const d = await deliveryStore.get(db, defaultTenant, id);
    expect(d?.status).toBe("sent");
    expect(d?.providerMessageId).toBe("m");
    expect(d?.history?.map((a) => [a.outcome, a.error])).toEqual([
      ["transient_error", "the worker stopped during the attempt (its lease ran out)"],
      ["sent", ""],
    ]);
  });

  it("two processes' batches over the same deliveries in opposite orders do not deadlock", async () => {
    const ids = await deliveries(40);
    const a = createAttemptJournal(db);
    const b = createAttemptJournal(db);
    const results = await Promise.allSettled([
      ...ids.map((id) => a.lease(id, 60_000)),
      ...[...ids].reverse().map((id) => b.lease(id, 60_000)),
    ]);
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    const leased = results.filter((r) => r.status === "fulfilled" && r.value !== null);
    expect(leased).toHaveLength(40);
  });

  it("cancel and a lease on one delivery: whichever commits first wins, never both", async () => {
    const ids = await deliveries(20, "scheduled");
    const journal = createAttemptJournal(db);
    const [, ...leases] = await Promise.all([
      deliveryStore.cancel(
        db,
        defaultTenant,
        (await deliveryStore.get(db, defaultTenant, ids[0] as string))?.notificationId as string,
      ),
      ...ids.map((id) => journal.lease(id, 60_000)),
    ]);
    for (const [i, id] of ids.entries()) {
      const status = (await deliveryStore.get(db, defaultTenant, id))?.status;
      expect(status).toBe(leases[i] === null ? "canceled" : "sending");
    }
  });
});

it("attemptStore's single writes are one-member batches of the same statement", async () => {
  const [id] = (await deliveries(1)) as [string];
  const lease = await attemptStore.lease(db, id, 60_000);
  expect(lease?.attempt).toBe(1);
  expect(await attemptStore.recordSent(db, id, lease as Lease, { providerMessageId: "x" })).toBe(true);
  expect((await deliveryStore.get(db, defaultTenant, id))?.status).toBe("sent");
});
