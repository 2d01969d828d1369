import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { type FakeFcm, newDeviceToken, startFakeFcm } from "../helpers/fake-fcm.js";
import { type FakeTwilio, startFakeTwilio } from "../helpers/fake-twilio.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let twilio: FakeTwilio;
let backup: FakeTwilio;
let fcm: FakeFcm;
let herald: TestHerald;
let admin: HeraldClient;
let recipients: ReturnType<typeof serviceClient<typeof RecipientService>>;

beforeAll(async () => {
  twilio = await startFakeTwilio();
  backup = await startFakeTwilio();
  fcm = await startFakeFcm();
  const keyFile = path.join(os.tmpdir(), `herald-fcm-${process.pid}.json`);
  writeFileSync(keyFile, JSON.stringify(fcm.serviceAccount));
  herald = await startHerald({
    env: {
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: "+15005550006",
      // A second account, tried within the attempt when the first fails.
      TWILIO_BASE_URL_2: backup.url,
      TWILIO_ACCOUNT_SID_2: backup.accountSid,
      TWILIO_AUTH_TOKEN_2: backup.authToken,
      TWILIO_MESSAGING_SERVICE_SID_2: "MG00000000000000000000000000000000",
      FCM_BASE_URL: fcm.url,
      FCM_SERVICE_ACCOUNT_FILE: keyFile,
    },
  });
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  recipients = serviceClient(RecipientService, herald.url, key);
});
afterAll(async () => {
  await herald.close();
  await twilio.close();
  await backup.close();
  await fcm.close();
});

describe("SMS through the Twilio Messages API", () => {
  it("texts the recipient's phone number", async () => {
    await recipients.upsertRecipient({ userId: "sam", phone: "+14155550123" });
    const res = await admin.send({ userIds: ["sam"], category: "otp", title: "Code", body: "Your code is 123456" });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SMS);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    expect(delivery?.providerMessageId).toBe(twilio.messages[0]?.sid);
    expect(twilio.messages[0]).toMatchObject({
      to: "+14155550123",
      from: "+15005550006",
      body: "Code: Your code is 123456",
    });
  });

  it("fails over to the second account within the attempt, and stops at once on Twilio's invalid-number error", async () => {
    twilio.failNext(1, { status: 429, code: 20429, message: "Too Many Requests", retryAfter: "1" });
    const busy = await admin.send({ userIds: ["sam"], category: "otp", title: "Again", body: "b" });
    const [failedOver] = await settledDeliveries(admin, busy.notifications[0]?.id as string, Channel.SMS);
    expect(failedOver?.status).toBe(DeliveryStatus.SENT);
    expect(failedOver?.attemptHistory.map((a) => a.provider)).toEqual([`twilio:${backup.accountSid}`]);
    expect(failedOver?.providerMessageId).toBe(backup.messages[0]?.sid);
    expect(backup.messages[0]).toMatchObject({ to: "+14155550123", body: "Again: b" });
    // Both accounts busy: the attempt fails, and the next one (after Retry-After) goes through the first.
    twilio.failNext(1, { status: 429, code: 20429, message: "Too Many Requests", retryAfter: "1" });
    backup.failNext(1, { status: 503, message: "Service Unavailable" });
    const both = await admin.send({ userIds: ["sam"], category: "otp", title: "Both busy", body: "b" });
    const [retried] = await settledDeliveries(admin, both.notifications[0]?.id as string, Channel.SMS);
    expect(retried?.attemptHistory.map((a) => a.provider)).toEqual([
      `twilio:${backup.accountSid}`,
      `twilio:${twilio.accountSid}`,
    ]);
    expect(retried?.attemptHistory[0]?.error).toMatch(
      /^every provider failed: twilio:AC\w+: .*429.*; twilio:AC\w+: .*503/,
    );
    expect(retried?.status).toBe(DeliveryStatus.SENT);
    twilio.failNext(1, { status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    const bad = await admin.send({ userIds: ["sam"], category: "otp", title: "Bad", body: "b" });
    const [dead] = await settledDeliveries(admin, bad.notifications[0]?.id as string, Channel.SMS);
    expect(dead).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(dead?.lastError).toContain("21211");
  });
});

describe("push through FCM HTTP v1", () => {
  it("asked for a user without a device: dead at once, saying so", async () => {
    const res = await admin.send({
      userIds: ["nodevice"],
      category: "chat",
      title: "t",
      body: "b",
      channels: [Channel.PUSH],
    });
    const [dead] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.PUSH);
    expect(dead).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(dead?.lastError).toBe("the recipient has no registered device");
  });

  it("sends one delivery per device, and removes a token FCM reports unregistered", async () => {
    const good = newDeviceToken();
    const stale = newDeviceToken();
    await recipients.registerDevice({ userId: "pia", platform: Platform.ANDROID, token: good });
    await recipients.registerDevice({ userId: "pia", platform: Platform.IOS, token: stale });
    fcm.unregistered.add(stale);
    const res = await admin.send({ userIds: ["pia"], category: "chat", title: "New message", body: "Hi!" });
    const deliveries = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.PUSH);
    const byStatus = Object.fromEntries(deliveries.map((d) => [DeliveryStatus[d.status], d]));
    expect(Object.keys(byStatus).sort()).toEqual(["DEAD", "SENT"]);
    expect(fcm.messages.map((m) => m.message.token)).toEqual([good]);
    expect(fcm.messages[0]?.message.notification).toEqual({ title: "New message", body: "Hi!" });
    const { recipient } = await recipients.getRecipient({ userId: "pia" });
    expect(recipient?.devices.map((d) => d.token)).toEqual([good]);
  });
});
