import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { generateVapidKeys } from "../../src/channels/vapid.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { type FakeFcm, newDeviceToken, startFakeFcm } from "../helpers/fake-fcm.js";
import { type FakePushService, type FakeSubscription, startFakePushService } from "../helpers/fake-push-service.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// One Herald with the webpush channel (and FCM push beside it, to show each
// takes only its own devices), a local push service that verifies VAPID and
// decrypts, and two tenants.

type Recipients = ReturnType<typeof serviceClient<typeof RecipientService>>;

const vapid = { ...generateVapidKeys(), subject: "mailto:ops@herald.example" };
let push: FakePushService;
let fcm: FakeFcm;
let herald: TestHerald;
let admin: HeraldClient;
let recipients: Recipients;

const codeAndMessage = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => `${Code[ConnectError.from(e).code]} ${ConnectError.from(e).rawMessage}`,
  );

/** The subscription as the browser's PushSubscription.toJSON() gives it. */
const asJson = (s: FakeSubscription) => ({ endpoint: s.endpoint, keys: s.keys, expirationTime: 0n });

beforeAll(async () => {
  push = await startFakePushService({ publicKey: vapid.publicKey, subject: vapid.subject });
  fcm = await startFakeFcm();
  const keyFile = path.join(os.tmpdir(), `herald-webpush-fcm-${process.pid}.json`);
  writeFileSync(keyFile, JSON.stringify(fcm.serviceAccount));
  herald = await startHerald({
    env: {
      WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
      WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
      WEBPUSH_SUBJECT: vapid.subject,
      FCM_BASE_URL: fcm.url,
      FCM_SERVICE_ACCOUNT_FILE: keyFile,
    },
  });
  await herald.tenant("acme");
  await herald.tenant("globex");
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  recipients = serviceClient(RecipientService, herald.url, key);
});
afterAll(async () => {
  await herald?.close();
  await push?.close();
  await fcm?.close();
});

describe("the webpush channel", () => {
  it("gives a browser the VAPID key, takes its subscription, and pushes a notification it decrypts", async () => {
    const ana = serviceClient(RecipientService, herald.url, await herald.userToken("ana"));
    expect((await ana.getWebPushKey({})).publicKey).toBe(vapid.publicKey);
    const browser = push.subscribe();
    const { device } = await ana.registerDevice({ platform: Platform.WEB_PUSH, webPush: asJson(browser) });
    expect(device).toMatchObject({ platform: Platform.WEB_PUSH, token: browser.endpoint });
    const phone = newDeviceToken();
    await ana.registerDevice({ platform: Platform.ANDROID, token: phone });

    const res = await admin.send({
      userIds: ["ana"],
      category: "chat.message",
      title: "New message",
      body: "Grüße, Ana! 👋",
      actionUrl: "https://app.example.com/chat/7",
      priority: Priority.HIGH,
    });
    const id = res.notifications[0]?.id as string;
    const [sent] = await settledDeliveries(admin, id, Channel.WEBPUSH);
    expect(sent).toMatchObject({ status: DeliveryStatus.SENT, target: device?.id });
    expect(sent?.providerMessageId).toMatch(new RegExp(`^${push.url}/m/`));
    const [message] = await push.waitForReceived(1);
    expect(push.refused).toEqual([]);
    expect(message).toMatchObject({
      endpoint: browser.endpoint,
      payload: {
        notification_id: id,
        title: "New message",
        body: "Grüße, Ana! 👋",
        action_url: "https://app.example.com/chat/7",
        category: "chat.message",
        priority: "high",
      },
      ttl: 24 * 3600,
      urgency: "high",
      claims: { aud: push.url, sub: vapid.subject },
    });
    // FCM took the phone only; the browser's subscription is not an FCM token.
    await settledDeliveries(admin, id, Channel.PUSH);
    expect(fcm.messages.map((m) => m.message.token)).toEqual([phone]);
  });

  it("removes a subscription its push service reports gone (410): the next Send does not post to it", async () => {
    const browser = push.subscribe();
    await recipients.registerDevice({ userId: "ben", platform: Platform.WEB_PUSH, webPush: asJson(browser) });
    push.expire(browser.endpoint);
    const first = await admin.send({ userIds: ["ben"], category: "news", title: "t", body: "b" });
    const [dead] = await settledDeliveries(admin, first.notifications[0]?.id as string, Channel.WEBPUSH);
    expect(dead).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(dead?.lastError).toMatch(/^push service answered 410/);
    expect(dead?.lastError).not.toContain(browser.endpoint);
    expect((await recipients.getRecipient({ userId: "ben" })).recipient?.devices).toEqual([]);

    const second = await admin.send({ userIds: ["ben"], category: "news", title: "t", body: "b" });
    const explicit = await admin.send({
      userIds: ["ben"],
      category: "news",
      title: "t",
      body: "b",
      channels: [Channel.WEBPUSH],
    });
    const none = await settledDeliveries(admin, second.notifications[0]?.id as string, Channel.IN_APP);
    expect(none).toHaveLength(1);
    const [unreachable] = await settledDeliveries(admin, explicit.notifications[0]?.id as string, Channel.WEBPUSH);
    expect(unreachable).toMatchObject({
      status: DeliveryStatus.DEAD,
      lastError: "the recipient has no browser subscribed",
    });
    const { deliveries } = await admin.getNotification({ id: second.notifications[0]?.id as string });
    expect(deliveries.filter((d) => d.channel === Channel.WEBPUSH)).toEqual([]);
    expect(push.requestsTo(browser.endpoint)).toBe(1);
  });

  it("retries 429 (after Retry-After) and 500, then delivers", async () => {
    const browser = push.subscribe();
    await recipients.registerDevice({ userId: "cem", platform: Platform.WEB_PUSH, webPush: asJson(browser) });
    push.failNext(1, { status: 429, retryAfter: "1", body: "slow down" });
    push.failNext(1, { status: 500 });
    const res = await admin.send({
      userIds: ["cem"],
      category: "news",
      title: "Later",
      body: "b",
      priority: Priority.LOW,
    });
    const [sent] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.WEBPUSH);
    expect(sent).toMatchObject({ status: DeliveryStatus.SENT, attempts: 3 });
    expect(sent?.attemptHistory.map((a) => a.error)).toEqual([
      "push service answered 429: slow down",
      "push service answered 500",
      "",
    ]);
    const message = push.received.find((m) => m.endpoint === browser.endpoint);
    expect(message).toMatchObject({ payload: { title: "Later" }, ttl: 4 * 3600, urgency: "low" });
    expect(push.requestsTo(browser.endpoint)).toBe(3);
  });

  it("refuses a malformed subscription with INVALID_ARGUMENT naming the field", async () => {
    const good = asJson(push.subscribe());
    const register = (req: Parameters<Recipients["registerDevice"]>[0]) =>
      codeAndMessage(recipients.registerDevice({ userId: "dan", ...req }));
    expect(await register({ platform: Platform.WEB_PUSH })).toMatch(/^InvalidArgument web_push: is required/);
    expect(await register({ platform: Platform.ANDROID, token: "t", webPush: good })).toMatch(
      /^InvalidArgument web_push:/,
    );
    expect(await register({ platform: Platform.WEB_PUSH, token: "t", webPush: good })).toMatch(
      /^InvalidArgument token:/,
    );
    const bad = (endpoint: string, keys: { p256dh?: string; auth?: string }) =>
      register({ platform: Platform.WEB_PUSH, webPush: { endpoint, keys: { ...good.keys, ...keys } } });
    expect(await bad("ftp://push.example/x", {})).toMatch(/^InvalidArgument web_push\.endpoint: /);
    expect(await bad("not a url", {})).toMatch(/^InvalidArgument web_push\.endpoint: /);
    expect(await bad(`https://push.example/${"x".repeat(1100)}`, {})).toMatch(/^InvalidArgument web_push\.endpoint: /);
    expect(await bad("https://user:pw@push.example/x", {})).toMatch(
      /^InvalidArgument web_push\.endpoint: must not contain credentials/,
    );
    expect(await bad(good.endpoint, { p256dh: "short" })).toMatch(/^InvalidArgument web_push\.keys\.p256dh: /);
    expect(await bad(good.endpoint, { p256dh: `B${"A".repeat(86)}` })).toMatch(
      /^InvalidArgument web_push\.keys\.p256dh: is not a P-256 public key/,
    );
    expect(await bad(good.endpoint, { auth: "x".repeat(40) })).toMatch(/^InvalidArgument web_push\.keys\.auth: /);
    expect((await recipients.getRecipient({ userId: "dan" })).recipient?.devices).toEqual([]);
  });

  it("keeps tenants apart: another tenant neither sees nor removes a subscription, nor pushes to it", async () => {
    const inA = serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"], "a", "acme"));
    const inB = serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"], "b", "globex"));
    const browser = push.subscribe();
    await inA.registerDevice({ userId: "eve", platform: Platform.WEB_PUSH, webPush: asJson(browser) });
    expect((await inB.getRecipient({ userId: "eve" })).recipient?.devices).toEqual([]);
    expect(await codeAndMessage(inB.unregisterDevice({ userId: "eve", token: browser.endpoint }))).toMatch(/^NotFound/);
    const eveInB = serviceClient(RecipientService, herald.url, await herald.userToken("eve", { tenant: "globex" }));
    expect(await codeAndMessage(eveInB.unregisterDevice({ token: browser.endpoint }))).toMatch(/^NotFound/);
    const bAdmin = connectClient(herald.url, await herald.apiKey(["admin"], "b-send", "globex"));
    const inBSend = await bAdmin.send({ userIds: ["eve"], category: "news", title: "t", body: "b" });
    const { deliveries } = await bAdmin.getNotification({ id: inBSend.notifications[0]?.id as string });
    expect(deliveries.filter((d) => d.channel === Channel.WEBPUSH)).toEqual([]);
    expect(push.requestsTo(browser.endpoint)).toBe(0);
    const { recipient } = await inA.getRecipient({ userId: "eve" });
    expect(recipient?.devices.map((d) => d.token)).toEqual([browser.endpoint]);
    // The browser unsubscribed: its app removes the subscription by endpoint.
    await serviceClient(
      RecipientService,
      herald.url,
      await herald.userToken("eve", { tenant: "acme" }),
    ).unregisterDevice({ token: browser.endpoint });
    expect((await inA.getRecipient({ userId: "eve" })).recipient?.devices).toEqual([]);
  });
});

describe("a server without VAPID keys", () => {
  let plain: TestHerald;
  beforeAll(async () => {
    plain = await startHerald();
  });
  afterAll(async () => {
    await plain?.close();
  });

  it("offers no webpush channel: no key, subscriptions refused, a Send asking for it refused", async () => {
    const key = await plain.apiKey(["admin"]);
    const plainRecipients = serviceClient(RecipientService, plain.url, key);
    expect((await plainRecipients.getWebPushKey({})).publicKey).toBe("");
    const registered = plainRecipients.registerDevice({
      userId: "fay",
      platform: Platform.WEB_PUSH,
      webPush: asJson(push.subscribe()),
    });
    expect(await codeAndMessage(registered)).toMatch(
      /^FailedPrecondition web_push: this server does not offer web push/,
    );
    const plainAdmin = connectClient(plain.url, key);
    const { channels } = await plainAdmin.getPreferences({ userId: "fay" });
    expect(channels).not.toContain(Channel.WEBPUSH);
    const send = plainAdmin.send({
      userIds: ["fay"],
      category: "news",
      title: "t",
      body: "b",
      channels: [Channel.WEBPUSH],
    });
    expect(await codeAndMessage(send)).toMatch(/^InvalidArgument/);
  });
});
