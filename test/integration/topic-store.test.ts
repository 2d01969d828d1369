import { describe, expect, it } from "vitest";
import { ResourceExhaustedError } from "../../src/domain/errors.js";
import { defaultTenant as tenant } from "../../src/domain/tenant.js";
import { housekeepingTasks } from "../../src/store/housekeeping.js";
import { chunkQuery, topicMemberStore } from "../../src/store/topic-member-store.js";
import { topicStore } from "../../src/store/topic-store.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// Memberships: exact counts under concurrency, one statement per batch, and
// what a fan-out reads (chunks across topics, snapshots).
const database = useMigratedDatabase({ poolMax: 8 });

const create = (key: string, maxTopics = 1_000) =>
  database.db.transaction((tx) =>
    topicStore.create(tx, tenant, { key, name: key, description: "", selfService: false }, { maxTopics }),
  );
const add = (key: string, userIds: string[], maxSubscribers = 1_000_000) =>
  database.db.transaction((tx) => topicMemberStore.add(tx, tenant, key, userIds, { maxSubscribers }));
const remove = (key: string, userIds: string[]) =>
  database.db.transaction((tx) => topicMemberStore.remove(tx, tenant, key, userIds));
const countOf = async (key: string) => (await topicStore.get(database.db, tenant, key))?.subscriberCount;
const rowsOf = async (key: string) =>
  (
    await database.db.rows<{ n: number }>("SELECT count(*)::int AS n FROM topic_subscribers WHERE topic_key = $1", [
      key,
    ])
  )[0]?.n;
const ids = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${String(from + i).padStart(5, "0")}`);
/** Every id a fan-out reads from these topics, chunk by chunk. */
const readAll = async (keys: string[], chunk: number, snapshot?: number) => {
  const all: string[] = [];
  let after = "";
  for (let round = 0; round < 10_000; round++) {
    const page = await topicMemberStore.subscribersAfter(database.db, tenant, keys, after, chunk, snapshot);
    all.push(...page);
    if (page.length < chunk) break;
    after = page.at(-1) as string;
  }
  return all;
};

describe("topic memberships", () => {
  it("keeps the count exact under concurrent adds of overlapping ids", async () => {
    await create("concurrent");
    // Five batches, each overlapping the next by half: 3,000 distinct users.
    const batches = [0, 1, 2, 3, 4].map((i) => ids("u", i * 500, i * 500 + 1_000));
    const results = await Promise.all(batches.map((b) => add("concurrent", b)));
    expect(results.reduce((sum, r) => sum + (r?.changed ?? 0), 0)).toBe(3_000);
    expect(await countOf("concurrent")).toBe(3_000);
    expect(await rowsOf("concurrent")).toBe(3_000);
    // Concurrent removals and adds of the same ids keep it exact too.
    await Promise.all([remove("concurrent", ids("u", 0, 1_500)), add("concurrent", ids("u", 1_000, 2_000))]);
    expect(await countOf("concurrent")).toBe(await rowsOf("concurrent"));
  });

  it("counts only new members and only real removals", async () => {
    await create("idempotent");
    expect(await add("idempotent", ["a", "b"])).toEqual({ changed: 2, subscriberCount: 2 });
    expect(await add("idempotent", ["b", "c"])).toEqual({ changed: 1, subscriberCount: 3 });
    expect(await remove("idempotent", ["c", "nobody"])).toEqual({ changed: 1, subscriberCount: 2 });
    expect(await add("no-such-topic", ["a"])).toBeNull();
    expect(await remove("no-such-topic", ["a"])).toBeNull();
  });

  it("adds nothing when a batch would pass the topic's limit", async () => {
    await create("bounded");
    await add("bounded", ["a", "b"], 3);
    await expect(add("bounded", ["b", "c", "d"], 3)).rejects.toBeInstanceOf(ResourceExhaustedError);
    expect(await countOf("bounded")).toBe(2);
    expect(await rowsOf("bounded")).toBe(2);
    // Members already in do not count against it.
    expect(await add("bounded", ["a", "b", "c"], 3)).toEqual({ changed: 1, subscriberCount: 3 });
  });

  it("refuses a topic past the limit, and a taken key", async () => {
    const [row] = await database.db.rows<{ n: number }>("SELECT count(*)::int AS n FROM topics");
    const existing = row?.n ?? 0;
    expect(await create("one-more", existing + 1)).not.toBeNull();
    await expect(create("too-many", existing + 1)).rejects.toThrow(/TOPICS_MAX/);
    expect(await topicStore.get(database.db, tenant, "too-many")).toBeNull();
    expect(await create("one-more")).toBeNull();
  });
});

describe("subscribersAfter (what a fan-out reads)", () => {
  it("reads the union of topics once each, in order, chunk by chunk", async () => {
    await create("union-a");
    await create("union-b");
    await add("union-a", ids("m", 0, 700));
    await add("union-b", ids("m", 500, 1_200));
    const all = await readAll(["union-a", "union-b", "no-such-topic"], 256);
    expect(all).toEqual(ids("m", 0, 1_200));
    // A user in both topics comes once.
    expect(await topicMemberStore.subscribersAfter(database.db, tenant, ["union-a", "union-b"], "m00599", 2)).toEqual([
      "m00600",
      "m00601",
    ]);
  });

  it("orders user ids by bytes", async () => {
    await create("bytes");
    await add("bytes", ["b", "B", "a", "_", "~", "A1", "a0"]);
    expect(await readAll(["bytes"], 3)).toEqual(["A1", "B", "_", "a", "a0", "b", "~"]);
  });

  it("reads the membership as of a snapshot: later adds left out, later removals and deletes still in", async () => {
    await create("snap");
    await add("snap", ["s1", "s2", "s3"]);
    await remove("snap", ["s3"]);
    const snapshot = await topicMemberStore.snapshot(database.db);
    await add("snap", ["s4"]);
    await remove("snap", ["s1"]);
    expect(await readAll(["snap"], 10, snapshot)).toEqual(["s1", "s2"]);
    expect(await readAll(["snap"], 10)).toEqual(["s2", "s4"]);

    // Removed and added again after the snapshot: still once.
    await remove("snap", ["s2"]);
    await add("snap", ["s2", "s1"]);
    expect(await readAll(["snap"], 1, snapshot)).toEqual(["s1", "s2"]);

    await database.db.transaction((tx) => topicStore.delete(tx, tenant, "snap"));
    expect(await readAll(["snap"], 10)).toEqual([]);
    expect(await readAll(["snap"], 10, snapshot)).toEqual(["s1", "s2"]);
  });

  it("forgets removals past their retention", async () => {
    await create("pruned");
    await add("pruned", ["p1"]);
    const snapshot = await topicMemberStore.snapshot(database.db);
    await remove("pruned", ["p1"]);
    expect(await topicMemberStore.pruneRemovals(database.db, new Date(Date.now() - 60_000), 100)).toBe(0);
    expect(await readAll(["pruned"], 10, snapshot)).toEqual(["p1"]);
    await topicMemberStore.pruneRemovals(database.db, new Date(Date.now() + 60_000), 100_000);
    expect(await readAll(["pruned"], 10, snapshot)).toEqual([]);
  });
});

describe("housekeeping", () => {
  it("prunes removals older than TOPIC_REMOVALS_RETENTION_HOURS, and only those", async () => {
    await create("aging");
    await add("aging", ["old", "recent"]);
    const snapshot = await topicMemberStore.snapshot(database.db);
    await remove("aging", ["old", "recent"]);
    await database.db.exec(
      "UPDATE topic_subscriber_removals SET removed_at = now() - interval '3 hours' WHERE user_id = 'old'",
    );
    const task = housekeepingTasks(database.db, { topicRemovalsRetentionHours: 2, fanoutRetentionDays: 7 }).find(
      (t) => t.name === "prune-topic-removals",
    );
    expect(await task?.run()).toBe(false);
    expect(await readAll(["aging"], 10, snapshot)).toEqual(["recent"]);
  });
});

describe("eraseUser", () => {
  it("takes the user out of every topic, counts exact, and out of snapshots", async () => {
    await create("erase-a");
    await create("erase-b");
    await add("erase-a", ["gone", "stays"]);
    await add("erase-b", ["gone", "x"]);
    const snapshot = await topicMemberStore.snapshot(database.db);
    await remove("erase-b", ["x"]);
    await create("erase-c");
    await add("erase-c", ["gone"]);
    await remove("erase-c", ["gone"]);
    expect(await database.db.transaction((tx) => topicMemberStore.eraseUser(tx, tenant, "gone"))).toBe(2);
    expect(await countOf("erase-a")).toBe(1);
    expect(await countOf("erase-b")).toBe(0);
    expect(await readAll(["erase-a", "erase-b", "erase-c"], 10, snapshot)).toEqual(["stays", "x"]);
    const left = await database.db.rows("SELECT 1 FROM topic_subscriber_removals WHERE user_id = 'gone'");
    expect(left).toEqual([]);
  });
});

describe("indexes", () => {
  const plan = async (sql: string, values: unknown[]) =>
    (await database.db.rows<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, values)).map((r) => r["QUERY PLAN"]).join("\n");

  it("reads a chunk, a page of members and a user's topics along an index, deep in a large topic", async () => {
    await create("large-a");
    await create("large-b");
    await database.db.exec(
      `INSERT INTO topic_subscribers (tenant_id, topic_key, user_id)
       SELECT 'default', k, 'l' || lpad(i::text, 6, '0') FROM unnest(ARRAY['large-a', 'large-b']) k, generate_series(1, 30000) i`,
    );
    await database.db.exec("ANALYZE topic_subscribers");
    const chunk = await plan(chunkQuery, [["large-a", "large-b"], "l020000", 1000, Number.MAX_SAFE_INTEGER, tenant]);
    expect(chunk).toContain("Index Scan using topic_subscribers_pkey");
    expect(chunk).not.toContain("Seq Scan on topic_subscribers ");
    const page = await plan(
      "SELECT user_id FROM topic_subscribers WHERE tenant_id = $4 AND topic_key = $1 AND user_id > $2 ORDER BY user_id LIMIT $3",
      ["large-a", "l020000", 1001, tenant],
    );
    expect(page).toMatch(/Index (Only )?Scan using topic_subscribers_pkey/);
    expect(page).not.toMatch(/Seq Scan|Sort/);
    const ofUser = await plan(
      "SELECT topic_key FROM topic_subscribers WHERE tenant_id = $2 AND user_id = $1 ORDER BY topic_key",
      ["l000007", tenant],
    );
    expect(ofUser).toMatch(/topic_subscribers_by_user/);
  });
});
