import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let admin: HeraldClient;
let user: HeraldClient;
let seeded: string;

beforeAll(async () => {
  herald = await startHerald();
  admin = connectClient(herald.url, await herald.apiKey(["admin", "send"]));
  user = connectClient(herald.url, await herald.userToken("sv-user"));
  const res = await admin.send({ userIds: ["sv-user"], category: "seed", title: "seed", body: "seed" });
  seeded = res.notifications[0]?.id as string;
});
afterAll(() => herald.close());

async function failure(call: () => Promise<unknown>) {
  const err = await call().then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );
  expect(err).not.toBeNull();
  return err as ConnectError;
}

async function expectInvalid(call: () => Promise<unknown>, field: string) {
  const before = await herald.db.query("SELECT count(*) FROM notifications");
  const err = await failure(call);
  expect(err.code).toBe(Code.InvalidArgument);
  expect(err.rawMessage.startsWith(`${field}: `), err.rawMessage).toBe(true);
  expect(await herald.db.query("SELECT count(*) FROM notifications")).toEqual(before);
}

const at = (ms: number) => timestampFromDate(new Date(Date.now() + ms));
const day = 86_400_000;
const valid = { userIds: ["sv-user"], category: "order.shipped", title: "t", body: "b" };

describe("Send's expire_at and ttl", () => {
  it.each([
    ["expire_at", { ...valid, expireAt: at(-60_000) }],
    ["expire_at", { ...valid, sendAt: at(3_600_000), expireAt: at(1_800_000) }],
    ["expire_at", { ...valid, expireAt: at(366 * day) }],
    ["expire_at", { ...valid, sendAt: at(day), expireAt: at(367 * day) }],
    ["ttl", { ...valid, ttl: { seconds: 0n, nanos: 0 } }],
    ["ttl", { ...valid, ttl: { seconds: 366n * 86_400n, nanos: 0 } }],
  ])("rejects a bad %s", async (field, request) => {
    await expectInvalid(() => admin.send(request), field);
  });

  it("rejects expire_at and ttl together, naming both", async () => {
    const err = await failure(() => admin.send({ ...valid, expireAt: at(60_000), ttl: { seconds: 60n, nanos: 0 } }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/expire_at, ttl/);
  });

  it("sets expire_time from ttl after send_at", async () => {
    const sendAt = new Date(Date.now() + 3_600_000);
    sendAt.setMilliseconds(0);
    const res = await admin.send({ ...valid, sendAt: timestampFromDate(sendAt), ttl: { seconds: 90n, nanos: 0 } });
    expect(res.notifications[0]?.expireTime?.seconds).toBe(BigInt(sendAt.getTime() / 1000 + 90));
  });
});

describe("SnoozeNotifications and UnsnoozeNotifications", () => {
  it.each([
    ["snooze_until", () => ({ notificationIds: [seeded], snoozeUntil: at(-60_000) })],
    ["snooze_until", () => ({ notificationIds: [seeded], snoozeUntil: at(366 * day) })],
    ["snooze_until", () => ({ notificationIds: [seeded] })],
    ["notification_ids", () => ({ notificationIds: [], snoozeUntil: at(60_000) })],
    ["notification_ids[0]", () => ({ notificationIds: ["not-a-uuid"], snoozeUntil: at(60_000) })],
  ])("rejects a bad %s", async (field, request) => {
    await expectInvalid(() => user.snoozeNotifications(request()), field);
  });

  it("needs user_id and the admin scope with an API key", async () => {
    await expectInvalid(
      () => admin.snoozeNotifications({ notificationIds: [seeded], snoozeUntil: at(60_000) }),
      "user_id",
    );
    const sendOnly = connectClient(herald.url, await herald.apiKey(["send"]));
    const err = await failure(() =>
      sendOnly.snoozeNotifications({ userId: "sv-user", notificationIds: [seeded], snoozeUntil: at(60_000) }),
    );
    expect(err.code).toBe(Code.PermissionDenied);
    const ok = await admin.snoozeNotifications({
      userId: "sv-user",
      notificationIds: [seeded],
      snoozeUntil: at(60_000),
    });
    expect(ok.changedCount).toBe(1);
    expect((await admin.unsnoozeNotifications({ userId: "sv-user", notificationIds: [seeded] })).changedCount).toBe(1);
  });

  it("a user token cannot snooze another user's notifications", async () => {
    const err = await failure(() =>
      user.snoozeNotifications({ userId: "someone-else", notificationIds: [seeded], snoozeUntil: at(60_000) }),
    );
    expect(err.code).toBe(Code.PermissionDenied);
  });

  it("MarkRead refuses the snooze and expiry kinds, naming change", async () => {
    for (const change of [ChangeKind.SNOOZED, ChangeKind.UNSNOOZED, ChangeKind.EXPIRED]) {
      await expectInvalid(() => user.markRead({ notificationIds: [seeded], change }), "change");
    }
  });
});
