// Issue 9, item 10: a `send` key cancels only what it sent, and an end user's
// GetNotification shows their own channels, with errors as categories, not
// the operator's infrastructure.
import { toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliverySchema, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { connectClient, grpcJsClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

let herald: TestHerald;
let admin: HeraldClient;

beforeAll(async () => {
  herald = await startHerald({
    env: {
      // Email and webhooks go to a closed port: every attempt fails, and says why.
      SMTP_URL: "smtp://127.0.0.1:9?tls=off",
      DELIVERY_RETRY_SCHEDULE: "100ms",
    },
  });
  admin = connectClient(herald.url, await herald.apiKey(["admin"]));
});
afterAll(() => herald?.close());

const inAnHour = () => timestampFromDate(new Date(Date.now() + 3_600_000));

describe("Cancel", () => {
  it("lets a send key cancel only what it sent; another key's notification is not found", async () => {
    const alice = connectClient(herald.url, await herald.apiKey(["send"], "alice"));
    const mallory = connectClient(herald.url, await herald.apiKey(["send"], "mallory"));
    const sent = await alice.send({
      userIds: ["cancel-me"],
      category: "c",
      title: "t",
      body: "b",
      channels: [Channel.IN_APP],
      sendAt: inAnHour(),
    });
    const id = sent.notifications[0]?.id as string;

    const theirs = ConnectError.from(await rejection(mallory.cancel({ id })));
    const unknown = "0190a3c5-0000-7000-8000-000000000000";
    const nobodys = ConnectError.from(await rejection(mallory.cancel({ id: unknown })));
    expect(theirs.code).toBe(Code.NotFound);
    // Exactly what a missing id says, the id aside: nothing to probe.
    expect(theirs.rawMessage.replace(id, "ID")).toBe(nobodys.rawMessage.replace(unknown, "ID"));
    const untouched = await admin.getNotification({ id });
    expect(untouched.deliveries.map((d) => d.status)).toEqual([DeliveryStatus.SCHEDULED]);

    const own = await alice.cancel({ id });
    expect(own.canceledCount).toBe(1);
    expect(own.deliveries.map((d) => d.status)).toEqual([DeliveryStatus.CANCELED]);
  });

  it("lets an admin key cancel anyone's", async () => {
    const sender = connectClient(herald.url, await herald.apiKey(["send"]));
    const sent = await sender.send({
      userIds: ["cancel-admin"],
      category: "c",
      title: "t",
      body: "b",
      channels: [Channel.IN_APP],
      sendAt: inAnHour(),
    });
    const res = await admin.cancel({ id: sent.notifications[0]?.id as string });
    expect(res.canceledCount).toBe(1);
  });
});

describe("a user's GetNotification", () => {
  it("shows the user's own channels with errors as categories, no webhook, endpoint or provider detail", async () => {
    const key = await herald.apiKey(["admin"]);
    const { endpoint } = await serviceClient(WebhookService, herald.url, key).createWebhookEndpoint({
      url: "http://127.0.0.1:9/hook",
    });
    await serviceClient(RecipientService, herald.url, key).upsertRecipient({
      userId: "viewer",
      email: "viewer@example.com",
    });
    const sent = await admin.send({ userIds: ["viewer"], category: "c", title: "t", body: "b" });
    const id = sent.notifications[0]?.id as string;
    await settledDeliveries(admin, id, Channel.WEBHOOK, 20_000);
    await settledDeliveries(admin, id, Channel.EMAIL, 20_000);

    // The operator sees everything.
    const full = await admin.getNotification({ id });
    const hook = full.deliveries.find((d) => d.channel === Channel.WEBHOOK);
    expect(hook?.target).toBe(endpoint?.id);
    expect(hook?.lastError).toBe("connection refused");
    expect(full.deliveries.find((d) => d.channel === Channel.EMAIL)?.lastError).toMatch(/ECONNREFUSED|127\.0\.0\.1/);

    const user = connectClient(herald.url, await herald.userToken("viewer"));
    const mine = await user.getNotification({ id });
    expect(mine.deliveries.map((d) => d.channel).sort()).toEqual([Channel.IN_APP, Channel.EMAIL].sort());
    const email = mine.deliveries.find((d) => d.channel === Channel.EMAIL);
    expect(email?.status).toBe(DeliveryStatus.DEAD);
    expect(email?.lastError).toBe("could not be delivered");
    expect(email?.attemptHistory.map((a) => a.error)).toEqual([
      "temporary failure, retrying",
      "could not be delivered",
    ]);
    const text = mine.deliveries.map((d) => toJsonString(DeliverySchema, d)).join("\n");
    for (const leak of [endpoint?.id as string, "127.0.0.1", "ECONNREFUSED", "refused", "webhook", "smtp"]) {
      expect(text).not.toContain(leak);
    }

    // The same over an independent gRPC client.
    const grpc = grpcJsClient(herald.port, await herald.userToken("viewer"));
    try {
      const viaGrpc = (await grpc.getNotification({ id })) as { deliveries: Array<{ channel: string }> };
      expect(viaGrpc.deliveries.map((d) => d.channel).sort()).toEqual(["CHANNEL_EMAIL", "CHANNEL_IN_APP"]);
    } finally {
      grpc.close();
    }
  });
});
