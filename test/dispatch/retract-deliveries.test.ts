import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Channel, type Delivery, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// A retracted notification's deliveries that have not gone out are canceled
// in the retraction's transaction and never sent: neither a scheduled one
// when its time comes, nor a failed one when its retry comes.
let smtp: SmtpReceiver;
let herald: TestHerald;
let admin: HeraldClient;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  // Retries 3 s apart: room to retract between a failure and the retry.
  herald = await startHerald({ env: { SMTP_URL: smtp.url, DELIVERY_RETRY_SCHEDULE: "3s,3s,3s" } });
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  const recipients = serviceClient(RecipientService, herald.url, key);
  await recipients.upsertRecipient({ userId: "rd-1", email: "rd1@example.com" });
});
afterAll(async () => {
  await herald.close();
  await smtp.close();
});
beforeEach(() => smtp.reset());

const byChannel = (deliveries: Delivery[]) =>
  Object.fromEntries(deliveries.map((d) => [Channel[d.channel], DeliveryStatus[d.status]]));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("RetractNotification and deliveries", () => {
  it("cancels a scheduled email and in-app delivery: nothing is sent or placed when the time comes", async () => {
    const sendAt = new Date(Date.now() + 2000);
    const res = await admin.send({
      userIds: ["rd-1"],
      category: "later",
      title: "scheduled",
      body: "b",
      channels: [Channel.IN_APP, Channel.EMAIL],
      sendAt: timestampFromDate(sendAt),
    });
    const id = res.notifications[0]?.id as string;
    const retracted = await admin.retractNotification({ id });
    expect(retracted).toMatchObject({ notificationIds: [id], canceledCount: 2 });
    // Past the send time, with room for the scheduler and the relay.
    await sleep(sendAt.getTime() - Date.now() + 1500);
    const { deliveries } = await admin.getNotification({ id });
    expect(byChannel(deliveries)).toEqual({ IN_APP: "CANCELED", EMAIL: "CANCELED" });
    expect(smtp.messages).toEqual([]);
    expect((await admin.list({ userId: "rd-1" })).notifications.map((n) => n.id)).not.toContain(id);
  });

  it("cancels an email waiting for its retry while SMTP is down: it is not sent once SMTP is back", async () => {
    smtp.failAlways(451, "try again later");
    const res = await admin.send({ userIds: ["rd-1"], category: "down", title: "while down", body: "b" });
    const id = res.notifications[0]?.id as string;
    await waitFor(
      async () =>
        (await admin.getNotification({ id })).deliveries.some(
          (d) => d.channel === Channel.EMAIL && d.status === DeliveryStatus.FAILED,
        ),
      10_000,
      "the first failed attempt",
    );
    const retracted = await admin.retractNotification({ id });
    expect(retracted.canceledCount).toBe(1);
    smtp.reset();
    // The retry was due 3 s after the failure: wait past it.
    await sleep(4500);
    const { deliveries } = await admin.getNotification({ id });
    expect(deliveries.find((d) => d.channel === Channel.EMAIL)).toMatchObject({
      status: DeliveryStatus.CANCELED,
      attempts: 1,
    });
    expect(smtp.messages).toEqual([]);
  });

  it("cancels the deliveries of a notification its group's next Send replaces", async () => {
    const sendAt = timestampFromDate(new Date(Date.now() + 60_000));
    const base = { userIds: ["rd-1"], category: "thread", body: "b", channels: [Channel.EMAIL], sendAt };
    const first = (await admin.send({ ...base, title: "1 comment", groupKey: "t" })).notifications[0]?.id as string;
    await admin.send({ ...base, title: "2 comments", groupKey: "t" });
    const { deliveries } = await admin.getNotification({ id: first });
    expect(byChannel(deliveries)).toEqual({ EMAIL: "CANCELED" });
  });
});
