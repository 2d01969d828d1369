import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { connectClient, grpcJsClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let sendKey: string;
let readKey: string;

beforeAll(async () => {
  herald = await startHerald();
  sendKey = await herald.apiKey(["send"]);
  readKey = await herald.apiKey(["read"]);
});
afterAll(() => herald.close());

describe("Send", () => {
  it("creates one notification per recipient through grpc-js, readable through Connect", async () => {
    const grpcClient = grpcJsClient(herald.port, sendKey);
    try {
      const res = (await grpcClient.send({
        userIds: ["alice", "bob"],
        category: "order.shipped",
        title: "Your order shipped",
        body: "Order 1042 is on its way.",
        actionUrl: "https://shop.example.com/orders/1042",
        data: { fields: { orderId: { stringValue: "1042" }, items: { numberValue: 3 } } },
        priority: "PRIORITY_HIGH",
      })) as { notifications: Array<Record<string, unknown>> };
      expect(res.notifications.map((n) => n.userId)).toEqual(["alice", "bob"]);
      const [alice] = res.notifications;
      expect(alice).toMatchObject({
        category: "order.shipped",
        title: "Your order shipped",
        priority: "PRIORITY_HIGH",
      });
      expect(alice?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

      const reader = connectClient(herald.url, readKey);
      const got = await reader.getNotification({ id: alice?.id as string });
      expect(got.notification?.data).toEqual({ orderId: "1042", items: 3 });
      expect(got.notification?.actionUrl).toBe("https://shop.example.com/orders/1042");
      expect(got.deliveries.map((d) => [d.channel, d.status, d.attempts])).toEqual([
        [Channel.IN_APP, DeliveryStatus.SENT, 1],
      ]);
      const list = await reader.list({ userId: "bob" });
      expect(list.notifications.map((n) => n.title)).toEqual(["Your order shipped"]);
      expect(list.unreadCount).toBe(1);
    } finally {
      grpcClient.close();
    }
  });

  it("works over every protocol on the one port", async () => {
    for (const protocol of ["grpc", "connect", "grpc-web"] as const) {
      const client = connectClient(herald.url, sendKey, protocol);
      const res = await client.send({ userIds: [`proto-${protocol}`], category: "test", title: protocol, body: "b" });
      expect(res.notifications[0]?.priority).toBe(Priority.NORMAL);
    }
    const reader = connectClient(herald.url, readKey);
    expect((await reader.list({ userId: "proto-grpc-web" })).notifications[0]?.title).toBe("grpc-web");
  });

  it("sends to 1000 recipients in one call", async () => {
    const userIds = Array.from({ length: 1000 }, (_, i) => `bulk-${i}`);
    const res = await connectClient(herald.url, sendKey).send({ userIds, category: "bulk", title: "t", body: "b" });
    expect(res.notifications).toHaveLength(1000);
    expect(new Set(res.notifications.map((n) => n.id)).size).toBe(1000);
    const [{ count }] = await herald.db.query<{ count: string }>(
      "SELECT count(*) FROM notifications WHERE category = 'bulk' AND seq IS NOT NULL",
    );
    expect(Number(count)).toBe(1000);
  });

  it("returns the original notifications for a repeated idempotency key, and refuses a different request with it", async () => {
    const client = connectClient(herald.url, sendKey);
    const request = { userIds: ["idem"], category: "test", title: "once", body: "b", idempotencyKey: "req-1" };
    const first = await client.send(request);
    const again = await client.send(request);
    expect(again.notifications.map((n) => n.id)).toEqual(first.notifications.map((n) => n.id));
    const err = await client.send({ ...request, title: "other" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.AlreadyExists });
    expect((err as ConnectError).rawMessage).toContain("idempotency_key");
    expect((await connectClient(herald.url, readKey).list({ userId: "idem" })).notifications).toHaveLength(1);
  });

  it("creates one set of notifications for concurrent duplicates", async () => {
    const client = connectClient(herald.url, sendKey);
    const request = { userIds: ["idem-race"], category: "test", title: "race", body: "b", idempotencyKey: "race-1" };
    const results = await Promise.all(Array.from({ length: 8 }, () => client.send(request)));
    expect(new Set(results.map((r) => r.notifications[0]?.id)).size).toBe(1);
    expect((await connectClient(herald.url, readKey).list({ userId: "idem-race" })).notifications).toHaveLength(1);
  });

  it("scopes idempotency keys to the API key", async () => {
    const otherKey = await herald.apiKey(["send"]);
    const request = { userIds: ["idem-scope"], category: "test", title: "t", body: "b", idempotencyKey: "shared" };
    const a = await connectClient(herald.url, sendKey).send(request);
    const b = await connectClient(herald.url, otherKey).send(request);
    expect(a.notifications[0]?.id).not.toBe(b.notifications[0]?.id);
  });

  it("holds a scheduled notification until send_at, then puts it in the inbox", async () => {
    const client = connectClient(herald.url, sendKey);
    const reader = connectClient(herald.url, readKey);
    const sendAt = new Date(Date.now() + 1500);
    const res = await client.send({
      userIds: ["later"],
      category: "reminder",
      title: "later",
      body: "b",
      sendAt: timestampFromDate(sendAt),
    });
    const id = res.notifications[0]?.id as string;
    expect((await reader.getNotification({ id })).deliveries[0]?.status).toBe(DeliveryStatus.SCHEDULED);
    expect((await reader.list({ userId: "later" })).notifications).toHaveLength(0);
    const listed = await waitFor(
      async () => {
        const page = await reader.list({ userId: "later" });
        return page.notifications.length > 0 && page;
      },
      10_000,
      "scheduled notification",
    );
    expect(Date.now()).toBeGreaterThanOrEqual(sendAt.getTime());
    expect(listed.notifications[0]?.id).toBe(id);
    expect(listed.unreadCount).toBe(1);
    expect((await reader.getNotification({ id })).deliveries[0]?.status).toBe(DeliveryStatus.SENT);
  });

  it("rejects a channel this server does not deliver on, naming it", async () => {
    const err = await connectClient(herald.url, sendKey)
      .send({ userIds: ["x"], category: "test", title: "t", body: "b", channels: [Channel.IN_APP, Channel.SMS] })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
    expect((err as ConnectError).rawMessage).toMatch(/^channels\[1\]: /);
  });
});
