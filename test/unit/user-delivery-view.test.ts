import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { emailChannel } from "../../src/channels/email.js";
import { createFailover, type Provider } from "../../src/channels/failover.js";
import { pushChannel } from "../../src/channels/push.js";
import { smsChannel } from "../../src/channels/sms.js";
import type { ChannelCatalog } from "../../src/domain/channel.js";
import type { Deliverer, DeliveryJob } from "../../src/domain/deliverer.js";
import type { Delivery, DeliveryAttempt } from "../../src/domain/notification.js";
import { UserDeliveryError, userDeliveryView as viewOf } from "../../src/domain/user-delivery-view.js";
import { createWebhookEndpointStore } from "../../src/store/webhook-endpoint-store.js";
import { rejection } from "../helpers/wait.js";

const at = new Date("2026-01-01T00:00:00Z");
const attempt = (number: number, outcome: DeliveryAttempt["outcome"], error = ""): DeliveryAttempt => ({
  number,
  startedAt: at,
  finishedAt: at,
  outcome,
  error,
  providerMessageId: outcome === "sent" ? "SM123" : "",
  provider: "twilio:AC1",
});
const delivery = (d: Partial<Delivery>): Delivery => ({
  id: "d",
  notificationId: "n",
  channel: "sms",
  target: "",
  status: "sent",
  attempts: 0,
  lastError: "",
  nextAttemptAt: null,
  providerMessageId: "",
  createdAt: at,
  updatedAt: at,
  history: [],
  ...d,
});

// What the view reads of the catalog: which channels deliver to a user's own devices.
const catalog = new Map([
  ["push", { targets: ["devices"] }],
  ["webhook", { targets: ["endpoints"] }],
  ["slack", { targets: ["address", "endpoints"] }],
]) as unknown as ChannelCatalog;
const userDeliveryView = (deliveries: Delivery[]) => viewOf(deliveries, catalog);

describe("a user's view of their deliveries", () => {
  it("leaves out deliveries to endpoints (the operator's webhooks and chat channels)", () => {
    const view = userDeliveryView([
      delivery({ channel: "in_app" }),
      delivery({ channel: "webhook", target: "endpoint-id", lastError: "connection refused", status: "dead" }),
      delivery({ channel: "push", target: "device-id" }),
      delivery({ channel: "slack" as Delivery["channel"], target: "slack-endpoint-id" }),
      delivery({ channel: "slack" as Delivery["channel"], target: "" }),
    ]);
    expect(view.map((d) => [d.channel, d.target])).toEqual([
      ["in_app", ""],
      ["push", "device-id"],
      ["slack", ""],
    ]);
  });

  it("reduces errors to a category by what happens next, and hides provider ids", () => {
    const [retrying, dead, rejected, sent] = userDeliveryView([
      delivery({
        status: "failed",
        attempts: 1,
        lastError: "Twilio answered HTTP 503 from 10.1.2.3",
        history: [attempt(1, "transient_error", "Twilio answered HTTP 503 from 10.1.2.3")],
      }),
      delivery({
        status: "dead",
        attempts: 2,
        lastError: "timed out",
        history: [attempt(1, "transient_error", "timed out"), attempt(2, "transient_error", "timed out")],
      }),
      delivery({
        status: "dead",
        attempts: 1,
        lastError: "Twilio error 21211: invalid 'To' number",
        history: [attempt(1, "permanent_error", "Twilio error 21211: invalid 'To' number")],
      }),
      delivery({
        status: "sent",
        attempts: 2,
        providerMessageId: "SM123",
        history: [attempt(1, "transient_error", "ECONNRESET"), attempt(2, "sent")],
      }),
    ]);
    expect(retrying?.lastError).toBe(UserDeliveryError.retrying);
    expect(retrying?.history?.map((a) => a.error)).toEqual([UserDeliveryError.retrying]);
    expect(dead?.lastError).toBe(UserDeliveryError.undeliverable);
    expect(dead?.history?.map((a) => a.error)).toEqual([UserDeliveryError.retrying, UserDeliveryError.undeliverable]);
    expect(rejected?.lastError).toBe(UserDeliveryError.undeliverable);
    expect(rejected?.history?.map((a) => a.error)).toEqual([UserDeliveryError.undeliverable]);
    expect(sent?.lastError).toBe("");
    expect(sent?.providerMessageId).toBe("");
    expect(sent?.history?.map((a) => [a.error, a.providerMessageId, a.provider])).toEqual([
      [UserDeliveryError.retrying, "", ""],
      ["", "", ""],
    ]);
  });

  it("says 'no address' for each channel's own words when there is nothing to deliver to", async () => {
    const job = {
      delivery: delivery({ channel: "email", target: "device-1" }),
      notification: { id: "n", userId: "u", category: "c", actionUrl: "", priority: "normal" },
      content: { subject: "s", text: "t", html: "h", title: "t", body: "b" },
      address: "",
    } as unknown as DeliveryJob;
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const deps = {
      // A database that holds no device: the push channel finds none for the target.
      db: { rows: async () => [], exec: async () => 0 },
      endpoints: createWebhookEndpointStore(),
      egress: { allowPrivateNetworks: true },
      timeoutMs: 1_000,
      failover: (providers: readonly Provider[]) =>
        createFailover("email", providers, { timeoutMs: 1_000, failureThreshold: 3, cooldownMs: 1_000 }),
    };
    // Never reached: each deliverer refuses before calling its provider.
    const channels: Deliverer[] = [
      emailChannel.createDeliverer?.(
        { smtpUrls: ["smtp://127.0.0.1:9"], from: "h@example.com", poolSize: 1, preferencesUrl: null },
        deps,
      ),
      smsChannel.createDeliverer?.(
        {
          accounts: [
            {
              baseUrl: "http://127.0.0.1:9",
              accountSid: "AC1",
              authToken: "t",
              from: "+15550000000",
              messagingServiceSid: null,
            },
          ],
        },
        deps,
      ),
      pushChannel.createDeliverer?.(
        {
          baseUrl: "http://127.0.0.1:9",
          serviceAccount: {
            project_id: "p",
            client_email: "c@example.com",
            private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
            token_uri: "http://127.0.0.1:9/token",
          },
        },
        deps,
      ),
    ].filter((d): d is Deliverer => d !== undefined);
    expect(channels).toHaveLength(3);
    for (const channel of channels) {
      const error = await rejection(channel.deliver(job, new AbortController().signal));
      const [view] = userDeliveryView([
        delivery({
          status: "dead",
          attempts: 1,
          lastError: error.message,
          history: [attempt(1, "permanent_error", error.message)],
        }),
      ]);
      expect(view?.lastError, error.message).toBe(UserDeliveryError.noAddress);
      expect(view?.history?.[0]?.error).toBe(UserDeliveryError.noAddress);
    }
  });
});
