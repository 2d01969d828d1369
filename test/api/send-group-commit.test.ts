import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

/** The count and sum of `herald_send_batch_size`: statements written, and Sends in them. */
async function batchSizes(herald: TestHerald): Promise<{ statements: number; sends: number }> {
  const text = await (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
  const read = (series: string) =>
    Number(
      text
        .split("\n")
        .find((l) => l.startsWith(`${series} `))
        ?.split(" ")
        .at(-1) ?? Number.NaN,
    );
  return { statements: read("herald_send_batch_size_count"), sends: read("herald_send_batch_size_sum") };
}

describe("Send with group commit (default)", () => {
  let herald: TestHerald;
  beforeAll(async () => {
    // One statement at a time makes every Send that arrives meanwhile wait for the next, shared one.
    herald = await startHerald({ env: { SEND_BATCHES_IN_FLIGHT: "1" } });
  });
  afterAll(() => herald.close());

  it("writes concurrent Sends in fewer statements than Sends, each answered and listed on its own", async () => {
    const client = connectClient(herald.url, await herald.apiKey(["send"]));
    const reader = connectClient(herald.url, await herald.apiKey(["read"]));
    const before = await batchSizes(herald);
    const users = Array.from({ length: 48 }, (_, i) => `gc-${i % 16}`); // 3 Sends per user
    const results = await Promise.all(
      users.map((u, i) => client.send({ userIds: [u], category: "gc", title: `t${i}`, body: "b" })),
    );
    expect(results.map((r) => r.notifications.map((n) => [n.userId, n.title]))).toEqual(
      users.map((u, i) => [[u, `t${i}`]]),
    );
    const after = await batchSizes(herald);
    expect(after.sends - before.sends).toBe(48);
    expect(after.statements - before.statements).toBeLessThan(48);
    for (let u = 0; u < 16; u++) {
      const list = await reader.list({ userId: `gc-${u}` });
      expect(list.notifications).toHaveLength(3);
      expect(list.unreadCount).toBe(3);
    }
  });

  it("answers keyed Sends batched with others, and their retries within and across batches, with the original notifications", async () => {
    const client = connectClient(herald.url, await herald.apiKey(["send"]));
    const keyed = { userIds: ["gc-keyed"], category: "gc", title: "once", body: "b", idempotencyKey: "gc-1" };
    const burst = await Promise.all([
      ...Array.from({ length: 8 }, () => client.send(keyed)),
      ...Array.from({ length: 16 }, (_, i) =>
        client.send({ userIds: [`gc-mixed-${i}`], category: "gc", title: "t", body: "b" }),
      ),
    ]);
    const ids = new Set(burst.slice(0, 8).map((r) => r.notifications[0]?.id));
    expect(ids.size).toBe(1);
    expect((await client.send(keyed)).notifications[0]?.id).toBe([...ids][0]);
    const reader = connectClient(herald.url, await herald.apiKey(["read"]));
    expect((await reader.list({ userId: "gc-keyed" })).notifications).toHaveLength(1);
  });
});

describe("Send with SEND_GROUP_COMMIT=false", () => {
  let herald: TestHerald;
  beforeAll(async () => {
    herald = await startHerald({ env: { SEND_GROUP_COMMIT: "false", SEND_BATCHES_IN_FLIGHT: "1" } });
  });
  afterAll(() => herald.close());

  it("writes each Send alone, outside the batcher", async () => {
    const client = connectClient(herald.url, await herald.apiKey(["send"]));
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        client.send({ userIds: [`off-${i}`], category: "gc", title: "t", body: "b" }),
      ),
    );
    expect(results.every((r) => r.notifications.length === 1)).toBe(true);
    expect(await batchSizes(herald)).toEqual({ statements: 0, sends: 0 });
  });
});

describe("SEND_* settings", () => {
  const base = { DATABASE_URL: "postgres://h@localhost/h", NATS_URL: "nats://localhost:4222" };
  it("default to group commit on, 64 Sends or 2,000 rows per statement, 2 statements in flight", () => {
    expect(loadConfig(base).send).toMatchObject({ groupCommit: true, maxSends: 64, maxRows: 2000, maxInFlight: 2 });
  });
  it("refuse more statements in flight than the pool leaves room for", () => {
    expect(() => loadConfig({ ...base, DATABASE_POOL_MAX: "4", SEND_BATCHES_IN_FLIGHT: "4" })).toThrow(
      /SEND_BATCHES_IN_FLIGHT must be below DATABASE_POOL_MAX \(4\)/,
    );
    expect(loadConfig({ ...base, DATABASE_POOL_MAX: "2" }).send.maxInFlight).toBe(1);
  });
});
