import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// Quiet hours on a plain Send (no workflow), on the real clock: the window is
// set around the present moment, in UTC, and the test checks where the email
// waits instead of waiting for the window to end.

let smtp: SmtpReceiver;
let herald: TestHerald;
let client: HeraldClient;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  herald = await startHerald({ env: { SMTP_URL: smtp.url, REQUIRED_CATEGORIES: "security" } });
  const key = await herald.apiKey(["admin", "send"]);
  client = connectClient(herald.url, key);
  const recipients = serviceClient(RecipientService, herald.url, key);
  for (const u of ["night-owl", "on-call"]) {
    await recipients.upsertRecipient({ userId: u, email: `${u}@example.com`, timezone: "UTC" });
  }
});
afterAll(async () => {
  await herald?.close();
  await smtp?.close();
});

/** Quiet hours from an hour ago to two hours from now, UTC (whole minutes; ends later than now + 1 h). */
function quietAroundNow() {
  const now = new Date();
  const start = new Date(now.getTime() - 3_600_000);
  const end = new Date(now.getTime() + 2 * 3_600_000);
  return {
    window: {
      start: { hour: start.getUTCHours(), minute: start.getUTCMinutes() },
      end: { hour: end.getUTCHours(), minute: end.getUTCMinutes() },
    },
    channels: [],
    timezone: "UTC",
    endMinute: end.getUTCHours() * 60 + end.getUTCMinutes(),
  };
}

describe("quiet hours on a Send without a workflow", () => {
  it("hold the email in the outbox until they end, while in-app lands at once", async () => {
    const { endMinute, ...quietHours } = quietAroundNow();
    await client.updatePreferences({ userId: "night-owl", quietHours });
    const { notifications } = await client.send({
      userIds: ["night-owl"],
      category: "comments.new",
      title: "t",
      body: "b",
      channels: [Channel.IN_APP, Channel.EMAIL],
    });
    const id = notifications[0]?.id as string;
    const { deliveries } = await client.getNotification({ id });
    expect(deliveries.find((d) => d.channel === Channel.IN_APP)?.status).toBe(DeliveryStatus.SENT);
    expect(deliveries.find((d) => d.channel === Channel.EMAIL)?.status).toBe(DeliveryStatus.SCHEDULED);
    const [row] = await herald.db.query<{ available_at: Date }>(
      "SELECT o.available_at FROM outbox o JOIN deliveries d ON d.id = o.delivery_id WHERE d.notification_id = $1",
      [id],
    );
    const at = row?.available_at as Date;
    expect(at.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect(at.getUTCHours() * 60 + at.getUTCMinutes()).toBe(endMinute);
    expect(at.getUTCSeconds()).toBe(0);
    // Nothing goes out meanwhile.
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages.filter((m) => m.to.includes("night-owl@example.com"))).toHaveLength(0);
  });

  it("let a critical notification in a required category through", async () => {
    const { endMinute: _, ...quietHours } = quietAroundNow();
    await client.updatePreferences({ userId: "on-call", quietHours });
    await client.send({
      userIds: ["on-call"],
      category: "security.login",
      title: "New sign-in",
      body: "b",
      priority: Priority.CRITICAL,
      channels: [Channel.EMAIL],
    });
    await waitFor(() => smtp.messages.some((m) => m.to.includes("on-call@example.com")), 15_000, "the critical email");
  });
});
