import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SendRequestSchema, type SendResult } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

let herald: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  // Rate limits are tested on a Herald of their own: a batch of 1,000 spends the default burst.
  herald = await startHerald({ env: { RATE_LIMIT_API_KEY_PER_SECOND: "0" } });
  sender = connectClient(herald.url, await herald.apiKey(["send", "read"]));
});
afterAll(() => herald.close());

const item = (userId: string, title: string, extra: Record<string, unknown> = {}) =>
  create(SendRequestSchema, { userIds: [userId], category: "batch", title, body: "b", ...extra });

function sentIds(result: SendResult | undefined): string[] {
  if (result?.outcome.case !== "sent") throw new Error(`not sent: ${JSON.stringify(result?.outcome.value)}`);
  return result.outcome.value.notifications.map((n) => n.id);
}

function errorOf(result: SendResult | undefined) {
  if (result?.outcome.case !== "error") throw new Error("expected an error");
  return result.outcome.value;
}

async function countFor(userId: string): Promise<number> {
  const [row] = await herald.db.query<{ count: string }>("SELECT count(*) FROM notifications WHERE user_id = $1", [
    userId,
  ]);
  return Number(row?.count);
}

describe("SendBatch", () => {
  it("sends each item on its own, answering in order; bad items fail alone and write nothing", async () => {
    const { results } = await sender.sendBatch({
      items: [
        item("batch-a", "first"),
        item("batch-b", "bad category", { category: "Not A Category" }),
        item("batch-c", "nul \u0000 inside"),
        item("batch-d", "", { userIds: [] }),
        item("batch-e", "last", { userIds: ["batch-e", "batch-f"] }),
      ],
    });
    expect(results).toHaveLength(5);
    const [first] = sentIds(results[0]);
    expect(errorOf(results[1])).toMatchObject({ code: "invalid_argument", field: "category" });
    expect(errorOf(results[1]).message).toMatch(/category/);
    expect(errorOf(results[2])).toMatchObject({ code: "invalid_argument", field: "title" });
    expect(errorOf(results[3])).toMatchObject({ code: "invalid_argument", field: "user_ids" });
    expect(sentIds(results[4])).toHaveLength(2);
    const got = await sender.getNotification({ id: first as string });
    expect(got.notification?.title).toBe("first");
    expect(await countFor("batch-b")).toBe(0);
    expect(await countFor("batch-c")).toBe(0);
    expect(await countFor("batch-f")).toBe(1);
  });

  it("answers an item as a Send of it alone would: unknown workflow, idempotency key per item", async () => {
    const keyed = item("batch-idem", "once", { idempotencyKey: "batch-key-1" });
    const first = await sender.sendBatch({ items: [keyed, item("batch-wf", "wf", { workflow: "no-such-workflow" })] });
    expect(errorOf(first.results[1])).toMatchObject({ code: "not_found", field: "" });
    const again = await sender.sendBatch({
      items: [keyed, { ...keyed, title: "changed" }, item("batch-idem", "other", { idempotencyKey: "batch-key-2" })],
    });
    expect(sentIds(again.results[0])).toEqual(sentIds(first.results[0]));
    expect(errorOf(again.results[1]).code).toBe("already_exists");
    expect(sentIds(again.results[2])).not.toEqual(sentIds(first.results[0]));
    expect(await countFor("batch-idem")).toBe(2);
  });

  it("sends items sharing an idempotency key one after another, in call order", async () => {
    const a = item("batch-same-key", "first", { idempotencyKey: "batch-key-3" });
    const { results } = await sender.sendBatch({ items: [a, { ...a, title: "second" }, a, a] });
    expect(errorOf(results[1]).code).toBe("already_exists");
    const [id] = sentIds(results[0]);
    expect([sentIds(results[2])[0], sentIds(results[3])[0]]).toEqual([id, id]);
    expect(await countFor("batch-same-key")).toBe(1);
  });

  it("sends 1,000 items in one call, and refuses 1,001 naming items", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => item(`batch-many-${i % 50}`, `n${i}`));
    const { results } = await sender.sendBatch({ items });
    expect(results.filter((r) => r.outcome.case === "sent")).toHaveLength(1000);
    const [row] = await herald.db.query<{ count: string }>(
      "SELECT count(*) FROM notifications WHERE user_id LIKE 'batch-many-%'",
    );
    expect(Number(row?.count)).toBe(1000);
    const tooMany = await rejection(sender.sendBatch({ items: [...items, item("x", "y")] }));
    expect(ConnectError.from(tooMany).code).toBe(Code.InvalidArgument);
    expect(ConnectError.from(tooMany).rawMessage).toMatch(/items/);
  });

  it("needs the send scope for the whole call", async () => {
    const reader = connectClient(herald.url, await herald.apiKey(["read"]));
    const refused = await rejection(reader.sendBatch({ items: [item("batch-r", "r")] }));
    expect(ConnectError.from(refused).code).toBe(Code.PermissionDenied);
    expect(await countFor("batch-r")).toBe(0);
  });

  it("charges every item's recipients to the key's rate limit", async () => {
    const limited = await startHerald({
      env: { RATE_LIMIT_API_KEY_PER_SECOND: "1", RATE_LIMIT_API_KEY_BURST: "5" },
    });
    try {
      const client = connectClient(limited.url, await limited.apiKey(["send"]));
      const five = Array.from({ length: 5 }, (_, i) => item(`rl-${i}`, "t"));
      const { results } = await client.sendBatch({ items: five });
      expect(results.every((r) => r.outcome.case === "sent")).toBe(true);
      // The five items spent the burst: five more right after wait for the bucket (it
      // refills one a second; asking for five keeps this true on a slow, busy machine).
      const late = Array.from({ length: 5 }, (_, i) => item(`rl-late-${i}`, "t"));
      const refused = await rejection(client.sendBatch({ items: late }));
      expect(ConnectError.from(refused).code).toBe(Code.ResourceExhausted);
    } finally {
      await limited.close();
    }
  });
});
