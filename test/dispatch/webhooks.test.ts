import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

let herald: TestHerald;
let admin: HeraldClient;
let webhooks: ReturnType<typeof serviceClient<typeof WebhookService>>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  herald = await startHerald();
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  webhooks = serviceClient(WebhookService, herald.url, key);
});
afterAll(async () => {
  await herald.close();
  await Promise.all(receivers.map((r) => r.close()));
});

/** A receiver registered as an endpoint, verifying with the secret Herald issued. */
async function registered(categories: string[] = []) {
  const receiver = await startWebhookReceiver({ secret: generateWebhookSecret() });
  receivers.push(receiver);
  const { endpoint, secret } = await webhooks.createWebhookEndpoint({ url: receiver.url, categories });
  receiver.setSecret(secret);
  return { receiver, endpoint: endpoint as NonNullable<typeof endpoint>, secret };
}

describe("webhooks", () => {
  it("post each notification, signed per Standard Webhooks, to every matching endpoint", async () => {
    const orders = await registered(["order"]);
    const everything = await registered();
    const res = await admin.send({ userIds: ["u1"], category: "order.shipped", title: "Shipped", body: "b" });
    const id = res.notifications[0]?.id as string;
    const deliveries = await settledDeliveries(admin, id, Channel.WEBHOOK);
    expect(deliveries.map((d) => d.status)).toEqual([DeliveryStatus.SENT, DeliveryStatus.SENT]);
    expect(new Set(deliveries.map((d) => d.target))).toEqual(new Set([orders.endpoint.id, everything.endpoint.id]));
    const [hook] = await orders.receiver.waitFor(1);
    expect(hook?.id).toBe(deliveries.find((d) => d.target === orders.endpoint.id)?.id);
    expect(hook?.payload).toMatchObject({
      type: "notification.created",
      data: { notification: { id, userId: "u1", category: "order.shipped", title: "Shipped" } },
    });
    // Another category reaches only the catch-all endpoint.
    await admin.send({ userIds: ["u1"], category: "social.like", title: "Liked", body: "b" });
    await everything.receiver.waitFor(2);
    expect(orders.receiver.deliveries).toHaveLength(1);
    expect(orders.receiver.rejected + everything.receiver.rejected).toBe(0);
    await webhooks.deleteWebhookEndpoint({ id: orders.endpoint.id });
    await webhooks.deleteWebhookEndpoint({ id: everything.endpoint.id });
  });

  it("honour Retry-After, then deliver once", async () => {
    const { receiver, endpoint } = await registered(["retry"]);
    receiver.respond({ status: 503, retryAfter: "1" }, 1);
    const started = Date.now();
    const res = await admin.send({ userIds: ["u2"], category: "retry", title: "t", body: "b" });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.WEBHOOK);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    expect(delivery?.attemptHistory.map((a) => a.error)).toEqual([expect.stringContaining("503"), ""]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(receiver.deliveries.filter((d) => d.status === 200)).toHaveLength(1);
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });

  it("disable an endpoint that answers 410 Gone", async () => {
    const { receiver, endpoint } = await registered(["gone"]);
    receiver.respond({ status: 410 }, 1);
    const res = await admin.send({ userIds: ["u3"], category: "gone", title: "t", body: "b" });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.WEBHOOK);
    expect(delivery?.status).toBe(DeliveryStatus.DEAD);
    const { endpoint: after } = await webhooks.getWebhookEndpoint({ id: endpoint.id });
    expect(after).toMatchObject({ enabled: false, disabledReason: expect.stringContaining("410") });
    await admin.send({ userIds: ["u3"], category: "gone", title: "again", body: "b" });
    expect(receiver.deliveries).toHaveLength(1);
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });

  it("keep the old secret signing during a rotation", async () => {
    const { receiver, endpoint, secret: old } = await registered(["rotate"]);
    const { secret } = await webhooks.rotateWebhookSecret({ id: endpoint.id });
    expect(secret).not.toBe(old);
    // The receiver still verifies with the old secret: messages carry both signatures.
    const first = await admin.send({ userIds: ["u4"], category: "rotate", title: "t1", body: "b" });
    await settledDeliveries(admin, first.notifications[0]?.id as string, Channel.WEBHOOK);
    receiver.setSecret(secret);
    const second = await admin.send({ userIds: ["u4"], category: "rotate", title: "t2", body: "b" });
    await settledDeliveries(admin, second.notifications[0]?.id as string, Channel.WEBHOOK);
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.rejected).toBe(0);
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });

  it("let a Send that asks for webhooks with no endpoint for its category die at once, saying so", async () => {
    const listener = await registered(["someone.else"]);
    const res = await admin.send({
      userIds: ["u5"],
      category: "nobody.listens",
      title: "t",
      body: "b",
      channels: [Channel.WEBHOOK],
    });
    const deliveries = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.WEBHOOK);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1, target: "" });
    expect(deliveries[0]?.lastError).toBe("no enabled webhook endpoint matches this notification's category");
    expect(listener.receiver.requests).toBe(0);
    await webhooks.deleteWebhookEndpoint({ id: listener.endpoint.id });
  });

  it("refuse endpoints Herald may not call, and keep secrets out of reads", async () => {
    const err = await webhooks
      .createWebhookEndpoint({ url: "ftp://example.com/x" })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
    expect((err as ConnectError).rawMessage).toMatch(/^url: /);
    const { endpoint } = await registered();
    const listed = await webhooks.listWebhookEndpoints({});
    expect(JSON.stringify(listed, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("whsec_");
    const updated = await webhooks.updateWebhookEndpoint({ id: endpoint.id, enabled: false, description: "paused" });
    expect(updated.endpoint).toMatchObject({ enabled: false, description: "paused", disabledReason: "" });
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });
});
