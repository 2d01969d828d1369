import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { WorkflowSchema, type WorkflowStep } from "../../gen/ts/herald/v1/workflow_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// An expired notification is never delivered on another channel: an email
// that could not go out before the expiry (SMTP down, or held by the
// outbox) is canceled, by the expiry sweep or by the worker that picks it up,
// and the SMTP server never sees it, even once it answers again.

let smtp: SmtpReceiver;
let herald: TestHerald;
let client: HeraldClient;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  herald = await startHerald({
    env: {
      SMTP_URL: smtp.url,
      INBOX_TIMERS_INTERVAL_MS: "100",
      // Retries far enough apart that the expiry passes between two of them.
      DELIVERY_RETRY_SCHEDULE: "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s",
    },
  });
  const key = await herald.apiKey(["admin", "send"]);
  client = connectClient(herald.url, key);
  const recipients = serviceClient(RecipientService, herald.url, key);
  for (const u of ["down", "later", "control", "flow"]) {
    await recipients.upsertRecipient({ userId: u, email: `${u}@example.com`, timezone: "UTC" });
  }
});
afterAll(async () => {
  await herald?.close();
  await smtp?.close();
});

const emailOf = async (id: string) =>
  (await client.getNotification({ id })).deliveries.find((d) => d.channel === Channel.EMAIL);

describe("expiry and other channels", () => {
  it("cancels an email that failed until its notification expired; SMTP never gets it", async () => {
    smtp.failAlways(451, "try later");
    const { notifications } = await client.send({
      userIds: ["down"],
      category: "feed",
      title: "short-lived",
      body: "b",
      channels: [Channel.IN_APP, Channel.EMAIL],
      ttl: { seconds: 2n, nanos: 0 },
    });
    const id = notifications[0]?.id as string;
    await waitFor(async () => ((await emailOf(id))?.attempts ?? 0) >= 1, 15_000, "a failed attempt");
    await waitFor(
      async () => (await emailOf(id))?.status === DeliveryStatus.CANCELED,
      15_000,
      "the email canceled at expiry",
    );
    smtp.reset();
    // The control email, sent after SMTP is back, arrives; the expired one never does.
    await client.send({
      userIds: ["control"],
      category: "feed",
      title: "control",
      body: "b",
      channels: [Channel.EMAIL],
    });
    await smtp.waitForMessages(1, 15_000);
    await new Promise((r) => setTimeout(r, 1500)); // two more retry intervals for a wrong resend to show
    expect(smtp.messages.flatMap((m) => m.to)).toEqual(["control@example.com"]);
    expect((await emailOf(id))?.status).toBe(DeliveryStatus.CANCELED);
  });

  it("a workflow's email after a delay longer than the ttl is never sent", async () => {
    smtp.reset();
    const workflows = serviceClient(WorkflowService, herald.url, await herald.apiKey(["admin"]));
    const step = (kind: unknown) => ({ kind }) as WorkflowStep;
    await workflows.upsertWorkflow({
      workflow: create(WorkflowSchema, {
        key: "late-email",
        categories: ["late.*"],
        steps: [
          step({ case: "deliver", value: { channels: [Channel.IN_APP], templateKey: "" } }),
          step({ case: "delay", value: { until: { case: "duration", value: durationFromMs(2500) } } }),
          step({ case: "deliver", value: { channels: [Channel.EMAIL], templateKey: "" } }),
        ],
      }),
    });
    const { notifications } = await client.send({
      userIds: ["flow"],
      category: "late.reminder",
      title: "t",
      body: "b",
      ttl: { seconds: 1n, nanos: 0 },
    });
    const id = notifications[0]?.id as string;
    // The run goes on after the expiry; the email its last step adds is canceled, not sent.
    const email = await waitFor(
      async () => {
        const d = await emailOf(id);
        return d?.status === DeliveryStatus.CANCELED && d;
      },
      20_000,
      "the workflow's email canceled",
    );
    expect(email.attempts).toBe(0);
    expect(smtp.messages.filter((m) => m.to.includes("flow@example.com"))).toEqual([]);
  });

  it("a worker refuses an email whose notification expired before it took it, with no sweep", async () => {
    smtp.reset();
    // A Herald whose expiry sweep runs once at start and not again within
    // the test: only the worker's own check stands between the email and SMTP.
    const quiet = await startHerald({ env: { SMTP_URL: smtp.url, INBOX_TIMERS_INTERVAL_MS: "60000" } });
    const key = await quiet.apiKey(["admin", "send"]);
    const client = connectClient(quiet.url, key);
    await serviceClient(RecipientService, quiet.url, key).upsertRecipient({
      userId: "later",
      email: "later@example.com",
    });
    const emailOf = async (id: string) =>
      (await client.getNotification({ id })).deliveries.find((d) => d.channel === Channel.EMAIL);
    const sendAt = new Date(Date.now() + 1000);
    const { notifications } = await client.send({
      userIds: ["later"],
      category: "feed",
      title: "late",
      body: "b",
      channels: [Channel.EMAIL],
      sendAt: timestampFromDate(sendAt),
      ttl: { seconds: 1n, nanos: 0 },
    });
    const id = notifications[0]?.id as string;
    // Hold the delivery in the outbox past its expiry, as a backlog would.
    await quiet.db.query(
      "UPDATE outbox SET available_at = now() + interval '3 seconds' WHERE delivery_id IN (SELECT id FROM deliveries WHERE notification_id = $1)",
      [id],
    );
    try {
      const email = await waitFor(
        async () => {
          const d = await emailOf(id);
          return d?.status === DeliveryStatus.CANCELED && d;
        },
        15_000,
        "the email canceled by the worker",
      );
      expect(email.attempts).toBe(0);
      expect(smtp.messages.filter((m) => m.to.includes("later@example.com"))).toEqual([]);
      // The inbox sweep has not run: the notification is still unexpired there, yet nothing was sent.
      const [row] = await quiet.db.query<{ expired_at: Date | null }>(
        "SELECT expired_at FROM notifications WHERE id = $1",
        [id],
      );
      expect(row?.expired_at).toBeNull();
    } finally {
      await quiet.close();
    }
  });
});
