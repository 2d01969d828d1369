import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { Channel, type Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let admin: HeraldClient;
let adminKey: string;

beforeAll(async () => {
  herald = await startHerald();
  adminKey = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, adminKey);
  await admin.send({ userIds: ["v-user"], category: "seed", title: "seed", body: "seed" });
});
afterAll(() => herald.close());

/** Row counts of every table a bad request could touch. */
async function counts() {
  const [row] = await herald.db.query(
    `SELECT (SELECT count(*) FROM notifications) AS n, (SELECT count(*) FROM deliveries) AS d,
            (SELECT count(*) FROM feed_events) AS e, (SELECT count(*) FROM preferences) AS p,
            (SELECT count(*) FROM idempotency_keys) AS i, (SELECT sum(seq) FROM user_feeds) AS s`,
  );
  return row;
}

async function expectInvalid(call: () => Promise<unknown>, field: string) {
  const before = await counts();
  const err = await call().then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );
  expect(err, `expected InvalidArgument for ${field}`).not.toBeNull();
  expect(err?.code).toBe(Code.InvalidArgument);
  expect(err?.rawMessage.startsWith(`${field}: `), err?.rawMessage).toBe(true);
  expect(await counts()).toEqual(before);
}

const valid = { userIds: ["v-user"], category: "order.shipped", title: "t", body: "b" };

describe("bad input is InvalidArgument naming the field, and writes nothing", () => {
  it.each([
    ["user_ids", { ...valid, userIds: [] }],
    ["user_ids[0]", { ...valid, userIds: [""] }],
    ["user_ids[0]", { ...valid, userIds: ["x".repeat(129)] }],
    ["user_ids[0]", { ...valid, userIds: ["has space"] }],
    ["user_ids", { ...valid, userIds: ["a", "a"] }],
    ["user_ids", { ...valid, userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) }],
    ["category", { ...valid, category: "" }],
    ["category", { ...valid, category: "Order.Shipped" }],
    ["category", { ...valid, category: "order..shipped" }],
    ["category", { ...valid, category: `a${"b".repeat(128)}` }],
    ["title", { ...valid, title: "" }],
    ["title", { ...valid, title: "t".repeat(201) }],
    ["body", { ...valid, body: "" }],
    ["body", { ...valid, body: "b".repeat(5001) }],
    ["action_url", { ...valid, actionUrl: "javascript:alert(1)" }],
    ["priority", { ...valid, priority: 99 as Priority }],
    ["channels[0]", { ...valid, channels: [Channel.UNSPECIFIED] }],
    ["idempotency_key", { ...valid, idempotencyKey: "k".repeat(256) }],
    ["send_at", { ...valid, sendAt: timestampFromDate(new Date(Date.now() - 60_000)) }],
    ["data", { ...valid, data: { blob: "x".repeat(17 * 1024) } }],
  ])("Send with bad %s", async (field, request) => {
    await expectInvalid(() => admin.send(request), field);
  });

  it("says a missing field is required, not that it breaks a pattern", async () => {
    const { category: _, ...noCategory } = valid;
    const err = await admin.send(noCategory).then(
      () => null,
      (e: unknown) => ConnectError.from(e),
    );
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toMatch(/^category: value is required/);
  });

  it.each([
    ["page_size", { userId: "v-user", pageSize: 101 }],
    ["page_size", { userId: "v-user", pageSize: -1 }],
    ["page_token", { userId: "v-user", pageToken: "garbage" }],
    ["page_token", { userId: "v-user", pageToken: Buffer.from("1:5:000000000000").toString("base64url") }],
    ["category", { userId: "v-user", category: "NOT VALID" }],
    ["user_id", { userId: "" }],
    ["user_id", { userId: "u".repeat(129) }],
  ])("List with bad %s", async (field, request) => {
    await expectInvalid(() => admin.list(request), field);
  });

  it("refuses a page token used with other filters", async () => {
    for (let i = 0; i < 3; i++) await admin.send({ ...valid, title: `p${i}` });
    const page = await admin.list({ userId: "v-user", pageSize: 1 });
    expect(page.nextPageToken).not.toBe("");
    await expectInvalid(
      () => admin.list({ userId: "v-user", pageSize: 1, pageToken: page.nextPageToken, unreadOnly: true }),
      "page_token",
    );
  });

  it.each([
    ["id", { id: "not-a-uuid" }],
    ["id", { id: "" }],
  ])("GetNotification with bad %s", async (field, request) => {
    await expectInvalid(() => admin.getNotification(request), field);
  });

  it("MarkRead needs exactly one of notification_ids and all", async () => {
    const before = await counts();
    for (const request of [
      { userId: "v-user" },
      { userId: "v-user", all: true, notificationIds: ["01900000-0000-7000-8000-000000000000"] },
    ]) {
      const err = await admin.markRead(request).catch((e: unknown) => ConnectError.from(e));
      expect(err).toMatchObject({ code: Code.InvalidArgument });
      expect((err as ConnectError).rawMessage).toMatch(/notification_ids, all/);
    }
    expect(await counts()).toEqual(before);
  });

  it.each([
    ["notification_ids[0]", { userId: "v-user", notificationIds: ["nope"] }],
    ["all", { userId: "v-user", all: true, change: ChangeKind.UNREAD }],
    ["change", { userId: "v-user", all: true, change: 42 as ChangeKind }],
  ])("MarkRead with bad %s", async (field, request) => {
    await expectInvalid(() => admin.markRead(request), field);
  });

  it.each([
    ['categories["Bad Key"]', { userId: "v-user", categories: { "Bad Key": { email: false } } }],
    ["reset_categories[0]", { userId: "v-user", resetCategories: ["UPPER"] }],
    ["user_id", { userId: "" }],
  ])("UpdatePreferences with bad %s", async (field, request) => {
    await expectInvalid(() => admin.updatePreferences(request), field);
  });

  it("Subscribe with a malformed or future cursor", async () => {
    for (const cursor of ["abc", "999999"]) {
      const err = await (async () => {
        for await (const _ of admin.subscribe({ userId: "v-user", cursor })) break;
      })().catch((e: unknown) => ConnectError.from(e));
      expect(err).toMatchObject({ code: Code.InvalidArgument });
      expect((err as ConnectError).rawMessage).toMatch(/^cursor: /);
    }
  });

  it("grpc-js callers get the same status and field name", async () => {
    const client = grpcJsClient(herald.port, adminKey);
    try {
      const err = (await client.send({ ...valid, title: "" }).catch((e: unknown) => e)) as {
        code: number;
        details: string;
      };
      expect(err.code).toBe(3); // INVALID_ARGUMENT
      // connect-node percent-encodes grpc-message with encodeURIComponent and grpc-js
      // decodes it with decodeURI, which leaves "%3A" for ":"; a full percent-decode,
      // as the gRPC spec asks for and grpc-go and grpcio do, gives the message back.
      expect(decodeURIComponent(err.details)).toMatch(/^title: /);
    } finally {
      client.close();
    }
  });
});
