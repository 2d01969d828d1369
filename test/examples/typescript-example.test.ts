import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { expectTopicSendStored } from "./topic-send-stored.js";

const root = path.resolve(import.meta.dirname, "../..");
let herald: TestHerald;
let key: string;
let adminKey: string;

beforeAll(async () => {
  herald = await startHerald();
  key = await herald.apiKey(["send", "read"]);
  adminKey = await herald.apiKey(["admin"]);
});
afterAll(() => herald.close());

/** Runs examples/typescript/<script> with tsx and returns its JSON lines. */
async function runExample(
  script: string,
  args: string[],
  env: Record<string, string> = { HERALD_API_KEY: key },
  timeout = 30_000,
): Promise<Array<Record<string, unknown>>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", path.join(root, "examples/typescript", script), ...args],
    { env: { ...process.env, HERALD_URL: herald.url, ...env }, timeout },
  );
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The notifications of this category in Postgres, by recipient. */
async function storedByUser(category: string, userPrefix: string): Promise<Map<string, string>> {
  const rows = await herald.db.query<{ user_id: string; title: string }>(
    "SELECT user_id, title FROM notifications WHERE category = $1 AND user_id LIKE $2",
    [category, `${userPrefix}-%`],
  );
  return new Map(rows.map((r) => [r.user_id, r.title]));
}

it.each([
  ["connect", []],
  ["grpc", ["--grpc"]],
] as const)("the TypeScript example sends and lists over %s", async (protocol, flags) => {
  const user = `ts-${protocol}-${Date.now()}`;
  const lines = await runExample("send-and-list.ts", ["--user", user, ...flags]);
  const steps = Object.fromEntries(lines.map((s) => [s.step, s]));
  expect(steps.send).toMatchObject({ userId: user });
  expect(steps.list).toEqual({
    step: "list",
    unread: 1,
    titles: ["Hello from TypeScript"],
    actions: ["open", "ack"],
    tabs: { all: 1, examples: 1 },
  });
  const inbox = await connectClient(herald.url, key).list({ userId: user });
  expect(inbox.notifications.map((n) => n.id)).toEqual([steps.send?.id]);
});

it.each(["grpc", "connect"] as const)(
  "the stream example sends 99 of 100 over %s and reports the invalid one's field",
  async (protocol) => {
    const prefix = `ts-stream-${protocol}-${Date.now()}`;
    const lines = await runExample("send-stream.ts", ["--user-prefix", prefix, "--protocol", protocol]);
    expect(lines).toEqual([
      {
        step: "item_error",
        index: 50,
        ref: "order-50",
        code: "invalid_argument",
        field: "user_ids[0]",
        message: expect.stringContaining("user_ids"),
      },
      { step: "stream", protocol, sent: 99, errors: 1 },
    ]);
    // Postgres holds exactly the 99 valid items, one per recipient.
    const stored = await storedByUser("example.stream", prefix);
    expect(stored.size).toBe(99);
    expect(stored.get(`${prefix}-0`)).toBe("Order 0 shipped");
    expect(stored.get(`${prefix}-99`)).toBe("Order 99 shipped");
    expect(stored.has(`${prefix}-50`)).toBe(false);
  },
);

it("the batch example sends 9 of 10 and reports the invalid one's field", async () => {
  const prefix = `ts-batch-${Date.now()}`;
  const lines = await runExample("send-batch.ts", ["--user-prefix", prefix]);
  expect(lines).toEqual([
    {
      step: "item_error",
      index: 9,
      code: "invalid_argument",
      field: "action_url",
      message: expect.stringContaining("action_url"),
    },
    { step: "batch", sent: 9, errors: 1 },
  ]);
  const stored = await storedByUser("example.batch", prefix);
  expect([...stored.keys()].sort()).toEqual(Array.from({ length: 9 }, (_, i) => `${prefix}-${i}`).sort());
});

it("the topic example adds 2,500 members, sends to the topic without the actor and waits for the fan-out", async () => {
  const prefix = `ts-topic-${Date.now()}`;
  const topic = `example.ts.${Date.now()}`;
  const lines = await runExample(
    "topic-send.ts",
    ["--topic", topic, "--user-prefix", prefix, "--members", "2500"],
    { HERALD_ADMIN_KEY: adminKey },
    90_000,
  );
  expect(lines).toEqual([
    { step: "topic", key: topic, created: true },
    { step: "subscribers", added: 2500, subscriberCount: 2500, calls: 3 },
    { step: "send", fanoutId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    { step: "fanout", id: lines[2]?.fanoutId, state: "DONE", planned: 2499, written: 2499, failed: 0 },
    { step: "inbox", userId: `${prefix}-1`, titles: ["New comment on the example project"] },
  ]);
  await expectTopicSendStored(herald, prefix, 2500);
}, 120_000);

it("the topic example run twice reuses the topic (ALREADY_EXISTS), adds nobody and sends again", async () => {
  const prefix = `ts-topic-again-${Date.now()}`;
  const topic = `example.ts.again.${Date.now()}`;
  const args = ["--topic", topic, "--user-prefix", prefix, "--members", "3", "--batch-size", "2"];
  const env = { HERALD_ADMIN_KEY: adminKey };
  const first = await runExample("topic-send.ts", args, env, 60_000);
  expect(first.slice(0, 2)).toEqual([
    { step: "topic", key: topic, created: true },
    { step: "subscribers", added: 3, subscriberCount: 3, calls: 2 },
  ]);
  const again = await runExample("topic-send.ts", args, env, 60_000);
  expect(again).toEqual([
    { step: "topic", key: topic, created: false },
    { step: "subscribers", added: 0, subscriberCount: 3, calls: 2 },
    { step: "send", fanoutId: expect.any(String) },
    { step: "fanout", id: again[2]?.fanoutId, state: "DONE", planned: 2, written: 2, failed: 0 },
    { step: "inbox", userId: `${prefix}-1`, titles: Array(2).fill("New comment on the example project") },
  ]);
  expect(again[2]?.fanoutId).not.toBe(first[2]?.fanoutId);
}, 120_000);

it("the expiry and snooze example sends, snoozes, lists and wakes", async () => {
  const user = `ts-timed-${Date.now()}`;
  const timedKey = await herald.apiKey(["send", "admin"]);
  const lines = await runExample("snooze-and-expire.ts", ["--user", user], { HERALD_API_KEY: timedKey });
  expect(lines).toEqual([
    { step: "send", expires: expect.any(Number) },
    { step: "snooze", changed: 1, unread: 1 },
    { step: "list", inbox: ["Flash sale, one hour"], snoozed: ["Read me later"] },
    { step: "unsnooze", changed: 1, unread: 2 },
  ]);
  const expires = lines[0]?.expires as number;
  expect(Math.abs(expires - (Date.now() / 1000 + 3600))).toBeLessThan(120);
});

it("the webhook events example receives delivery.sent and notification.read, verified", async () => {
  const user = `ts-webhooks-${Date.now()}`;
  const both = await herald.apiKey(["admin", "send"]);
  const lines = await runExample("webhook-events.ts", ["--user", user], { HERALD_API_KEY: both });
  const steps = Object.fromEntries(lines.map((s) => [s.step, s]));
  expect(steps.endpoint).toEqual({ step: "endpoint", eventTypes: ["delivery.sent", "notification.read"] });
  expect(steps.received).toEqual({ step: "received", types: ["delivery.sent", "notification.read"] });
  // It deleted its endpoint.
  const left = await herald.db.query("SELECT id FROM webhook_endpoints WHERE url LIKE 'http://127.0.0.1:%/hooks'");
  expect(left).toEqual([]);
});
