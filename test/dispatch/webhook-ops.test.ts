import { timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { WebhookAttemptStatus, WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { capturedLogger, type LogLine, logLevel } from "../helpers/log-sink.js";
import { waitFor } from "../helpers/wait.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

let herald: TestHerald;
let admin: HeraldClient;
let webhooks: ReturnType<typeof serviceClient<typeof WebhookService>>;
let otherTenant: ReturnType<typeof serviceClient<typeof WebhookService>>;
const receivers: WebhookReceiver[] = [];
let lines: LogLine[];
/** Seconds of failing after which an endpoint is disabled, short for the test. */
const disableAfterSeconds = 2;

beforeAll(async () => {
  const captured = capturedLogger("warn");
  lines = captured.lines;
  herald = await startHerald({
    env: { WEBHOOK_DISABLE_AFTER_FAILING_SECONDS: String(disableAfterSeconds) },
    logger: captured.logger,
  });
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  webhooks = serviceClient(WebhookService, herald.url, key);
  await herald.tenant("other-tenant");
  otherTenant = serviceClient(WebhookService, herald.url, await herald.apiKey(["admin"], "other", "other-tenant"));
});
afterAll(async () => {
  await herald.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(secret: string) {
  const r = await startWebhookReceiver({ secret });
  receivers.push(r);
  return r;
}

/** A receiver registered as an endpoint, verifying with the secret Herald issued. */
async function registered(fields: { categories: string[]; rateLimitPerSecond?: number; eventTypes?: string[] }) {
  const r = await receiver(generateWebhookSecret());
  const { endpoint, secret } = await webhooks.createWebhookEndpoint({ url: r.url, ...fields });
  r.setSecret(secret);
  return { receiver: r, endpoint: endpoint as NonNullable<typeof endpoint>, secret };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => Code.Unknown,
    (e: unknown) => ConnectError.from(e).code,
  );

describe("webhook operations", () => {
  it("list each attempt newest first with status code, duration and the answer's excerpt, paged and filtered", async () => {
    const { receiver: r, endpoint } = await registered({ categories: ["listing"] });
    r.respond({ status: 503, body: `busy ${"é".repeat(600)}` }, 1);
    const res = await admin.send({ userIds: ["l1"], category: "listing", title: "t", body: "b" });
    const notificationId = res.notifications[0]?.id as string;
    const [delivery] = await settledDeliveries(admin, notificationId, Channel.WEBHOOK);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);

    const { attempts, nextPageToken } = await webhooks.listWebhookAttempts({ endpointId: endpoint.id });
    expect(nextPageToken).toBe("");
    expect(attempts.map((a) => [a.attempt, a.status, a.httpStatusCode])).toEqual([
      [2, WebhookAttemptStatus.SUCCEEDED, 200],
      [1, WebhookAttemptStatus.FAILED, 503],
    ]);
    const [ok, failed] = attempts;
    expect(ok).toMatchObject({ notificationId, deliveryId: delivery?.id, responseBodyExcerpt: "ok", error: "" });
    expect(failed?.error).toContain("503");
    // 1 KiB at most, cut at a character boundary ("é" is 2 bytes).
    const excerpt = failed?.responseBodyExcerpt ?? "";
    expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(excerpt)).toBeGreaterThan(1000);
    expect(excerpt).toMatch(/^busy é+$/);
    expect(failed?.duration).toBeDefined();

    const page1 = await webhooks.listWebhookAttempts({ endpointId: endpoint.id, pageSize: 1 });
    expect(page1.attempts.map((a) => a.attempt)).toEqual([2]);
    const page2 = await webhooks.listWebhookAttempts({
      endpointId: endpoint.id,
      pageSize: 1,
      pageToken: page1.nextPageToken,
    });
    expect(page2.attempts.map((a) => a.attempt)).toEqual([1]);
    const failures = await webhooks.listWebhookAttempts({
      endpointId: endpoint.id,
      status: WebhookAttemptStatus.FAILED,
    });
    expect(failures.attempts.map((a) => a.httpStatusCode)).toEqual([503]);
    expect(await codeOf(otherTenant.listWebhookAttempts({ endpointId: endpoint.id }))).toBe(Code.NotFound);
    expect(await codeOf(webhooks.listWebhookAttempts({ endpointId: endpoint.id, pageToken: "bm9wZQ" }))).toBe(
      Code.InvalidArgument,
    );
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });

  it("disable an endpoint failing for the whole period, report it, cancel what waits, and replay it once enabled", async () => {
    const started = new Date(Date.now() - 1000);
    const { endpoint, secret } = await registered({ categories: ["failing"] });
    const down = receivers.at(-1) as WebhookReceiver;
    down.respond({ status: 500 }, 1000);
    // The first notification's attempts start the failing period and end dead.
    const first = await admin.send({ userIds: ["f1"], category: "failing", title: "one", body: "b" });
    const firstId = first.notifications[0]?.id as string;
    const [dead] = await settledDeliveries(admin, firstId, Channel.WEBHOOK);
    expect(dead?.status).toBe(DeliveryStatus.DEAD);
    const failing = (await webhooks.getWebhookEndpoint({ id: endpoint.id })).endpoint;
    expect(failing).toMatchObject({ enabled: true });
    expect(failing?.failingSince).toBeDefined();
    // Past the period, the next failure disables it; that delivery's retry is canceled, not attempted.
    await new Promise((resolve) => setTimeout(resolve, disableAfterSeconds * 1000 + 200));
    const second = await admin.send({ userIds: ["f1"], category: "failing", title: "two", body: "b" });
    const secondId = second.notifications[0]?.id as string;
    const [canceled] = await settledDeliveries(admin, secondId, Channel.WEBHOOK);
    expect(canceled).toMatchObject({ status: DeliveryStatus.CANCELED, lastError: "endpoint disabled", attempts: 1 });
    const { endpoint: disabled } = await webhooks.getWebhookEndpoint({ id: endpoint.id });
    expect(disabled).toMatchObject({ enabled: false });
    expect(disabled?.disabledReason).toMatch(/^every attempt failed since \d{4}-\d\d-\d\dT/);
    expect(disabled?.disableTime).toBeDefined();
    const warned = lines.find((l) => l.event === "webhook_endpoint_disabled");
    expect(warned).toMatchObject({ level: logLevel.warn, endpointId: endpoint.id, reason: "failing" });
    const metrics = await (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/herald_webhook_endpoints_disabled_total\{reason="failing"\} 1/);

    // A disabled endpoint is not replayed to.
    const replay = { endpointId: endpoint.id, since: timestampFromDate(started) };
    expect(await codeOf(webhooks.replayWebhookEvents(replay))).toBe(Code.FailedPrecondition);
    // The receiver is back (at a new address); enabled again, the replay re-sends both with their webhook-ids.
    const up = await receiver(secret);
    const { endpoint: enabled } = await webhooks.updateWebhookEndpoint({ id: endpoint.id, url: up.url, enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabledReason: "" });
    expect(enabled?.disableTime).toBeUndefined();
    expect(enabled?.failingSince).toBeUndefined();
    expect(await codeOf(otherTenant.replayWebhookEvents(replay))).toBe(Code.NotFound);
    const tooOld = { endpointId: endpoint.id, since: timestampFromMs(Date.now() - 31 * 86_400_000) };
    expect(await codeOf(webhooks.replayWebhookEvents(tooOld))).toBe(Code.InvalidArgument);
    const queued = await webhooks.replayWebhookEvents(replay);
    expect(queued).toMatchObject({ queuedCount: 2, nextPageToken: "" });
    const got = await up.waitFor(2, 10_000);
    expect(new Set(got.map((w) => w.id))).toEqual(new Set([dead?.id, canceled?.id]));
    expect(up.rejected).toBe(0);
    await settledDeliveries(admin, secondId, Channel.WEBHOOK);
    const [resent] = await settledDeliveries(admin, firstId, Channel.WEBHOOK);
    expect(resent?.status).toBe(DeliveryStatus.SENT);
    // Nothing is missed any more; with include_delivered the sent ones go again, same ids.
    expect((await webhooks.replayWebhookEvents(replay)).queuedCount).toBe(0);
    const again = await webhooks.replayWebhookEvents({ ...replay, includeDelivered: true });
    expect(again.queuedCount).toBe(2);
    const twice = await up.waitFor(4, 10_000);
    expect(new Set(twice.slice(2).map((w) => w.id))).toEqual(new Set([dead?.id, canceled?.id]));
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });

  it("cancel what waits for an endpoint disabled by request", async () => {
    const { receiver: r, endpoint } = await registered({ categories: ["paused"] });
    r.respond({ status: 500 }, 1000);
    const res = await admin.send({ userIds: ["p1"], category: "paused", title: "t", body: "b" });
    const id = res.notifications[0]?.id as string;
    await waitFor(() => r.deliveries.length >= 1, 5_000, "a first failed attempt");
    await webhooks.updateWebhookEndpoint({ id: endpoint.id, enabled: false });
    const [delivery] = await settledDeliveries(admin, id, Channel.WEBHOOK);
    expect(delivery).toMatchObject({ status: DeliveryStatus.CANCELED, lastError: "endpoint disabled" });
    const { endpoint: after } = await webhooks.getWebhookEndpoint({ id: endpoint.id });
    expect(after).toMatchObject({ enabled: false, disabledReason: "" });
    expect(after?.disableTime).toBeDefined();
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });

  it("post to an endpoint no faster than its rate limit, each notification exactly once", async () => {
    const { receiver: r, endpoint } = await registered({ categories: ["limited"], rateLimitPerSecond: 10 });
    expect(endpoint.rateLimitPerSecond).toBe(10);
    const userIds = Array.from({ length: 50 }, (_, i) => `rl${i}`);
    const started = Date.now();
    await admin.send({ userIds, category: "limited", title: "t", body: "b" });
    const got = await r.waitFor(50, 30_000);
    // 50 posts spaced 100 ms apart take 4.9 s; only a lower bound is asserted.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.deliveries).toHaveLength(50);
    expect(new Set(got.map((w) => w.id)).size).toBe(50);
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
  });

  it("share an endpoint's rate limit between two Herald processes", async () => {
    const second = await startHerald({ db: herald.db, natsPrefix: herald.config.nats.prefix });
    try {
      const { receiver: r, endpoint } = await registered({ categories: ["shared"], rateLimitPerSecond: 10 });
      const started = Date.now();
      await admin.send({
        userIds: Array.from({ length: 40 }, (_, i) => `sh${i}`),
        category: "shared",
        title: "t",
        body: "b",
      });
      const got = await r.waitFor(40, 30_000);
      // Each process alone would let 10/s through: together they must still space 40 posts over >= 3.9 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
      expect(new Set(got.map((w) => w.id)).size).toBe(40);
      await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
    } finally {
      await second.close();
    }
  });

  it("store and validate event types, posting notification.created only to endpoints that take it", async () => {
    const plain = await registered({ categories: ["typed"] });
    expect(plain.endpoint.eventTypes).toEqual(["notification.created"]);
    const other = await registered({ categories: ["typed"], eventTypes: ["delivery.dead", "notification.read"] });
    expect(other.endpoint.eventTypes).toEqual(["delivery.dead", "notification.read"]);
    expect(
      await codeOf(webhooks.createWebhookEndpoint({ url: plain.receiver.url, eventTypes: ["notification.nope"] })),
    ).toBe(Code.InvalidArgument);
    const res = await admin.send({ userIds: ["e1"], category: "typed", title: "t", body: "b" });
    const deliveries = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.WEBHOOK);
    expect(deliveries.map((d) => d.target)).toEqual([plain.endpoint.id]);
    expect(other.receiver.requests).toBe(0);
    const { endpoint: updated } = await webhooks.updateWebhookEndpoint({
      id: other.endpoint.id,
      replaceEventTypes: true,
      eventTypes: [],
    });
    expect(updated?.eventTypes).toEqual(["notification.created"]);
    await webhooks.deleteWebhookEndpoint({ id: plain.endpoint.id });
    await webhooks.deleteWebhookEndpoint({ id: other.endpoint.id });
  });
});
