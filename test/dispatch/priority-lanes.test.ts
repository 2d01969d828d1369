import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AttemptOutcome, Channel, DeliveryStatus, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { decodeDeliveryMessage } from "../../src/contract/delivery-message.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import {
  createTestDatabase,
  startHerald,
  type TestDatabase,
  type TestHerald,
  uniquePrefix,
} from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// Priority lanes, seen from outside: through JetStream's subjects and
// consumers, and through what an SMTP server receives and in which order.
let nc: NatsConnection;
let jsm: JetStreamManager;
let smtp: SmtpReceiver;
const started: TestHerald[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  jsm = await jetstreamManager(nc);
  smtp = await startSmtpReceiver();
});
afterAll(async () => {
  for (const h of started) await h.close();
  for (const db of databases) await db.close();
  await smtp.close();
  await nc.close();
});

async function herald(options: { prefix: string; db: TestDatabase; env?: Record<string, string> }) {
  const h = await startHerald({
    db: options.db,
    natsPrefix: options.prefix,
    env: { SMTP_URL: smtp.url, EMAIL_FROM: "Herald <notify@example.com>", ...options.env },
  });
  started.push(h);
  await waitFor(async () => (await fetch(`${h.url}/readyz`)).ok, 15_000, "delivery set up");
  return h;
}

async function database() {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

async function upsertRecipients(h: TestHerald, key: string, userIds: string[]) {
  const recipients = serviceClient(RecipientService, h.url, key);
  for (let i = 0; i < userIds.length; i += 20) {
    await Promise.all(
      userIds.slice(i, i + 20).map((userId) => recipients.upsertRecipient({ userId, email: `${userId}@example.com` })),
    );
  }
}

const sendEmail = (client: HeraldClient, userIds: string[], title: string, priority: Priority) =>
  client.send({ userIds, category: "account", title, body: "Body.", priority, channels: [Channel.EMAIL] });

/** The stored messages of the deliveries stream, each with its subject and notification. */
async function storedMessages(prefix: string) {
  const stream = `${prefix}_deliveries`;
  const info = await jsm.streams.info(stream);
  const found: { subject: string; notificationId: string; data: Uint8Array; seq: number }[] = [];
  if (info.state.messages === 0) return found;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    const decoded = m === null ? null : decodeDeliveryMessage(m.data);
    if (m !== null && decoded !== null) {
      found.push({ subject: m.subject, notificationId: decoded.notificationId, data: m.data, seq });
    }
  }
  return found;
}

describe("priority lanes", () => {
  it("publishes high and critical deliveries on the urgent subject and the rest on the bulk one", async () => {
    const prefix = uniquePrefix();
    // No workers: the messages stay on the stream to be looked at.
    const h = await herald({
      prefix,
      db: await database(),
      env: { WORKERS_ENABLED: "false", METRICS_REFRESH_INTERVAL_MS: "100" },
    });
    const key = await h.apiKey(["admin"]);
    const admin = connectClient(h.url, key);
    await upsertRecipients(h, key, ["ada"]);
    const byPriority = new Map<Priority, string>();
    for (const priority of [Priority.UNSPECIFIED, Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.CRITICAL]) {
      const res = await sendEmail(admin, ["ada"], `p${priority}`, priority);
      byPriority.set(priority, res.notifications[0]?.id as string);
    }
    const messages = await waitFor(
      async () => {
        const found = await storedMessages(prefix);
        return found.length === 5 && found;
      },
      15_000,
      "five deliveries on JetStream",
    );
    const subjectOf = (priority: Priority) =>
      messages.find((m) => m.notificationId === byPriority.get(priority))?.subject;
    expect(subjectOf(Priority.CRITICAL)).toBe(`${prefix}.deliver.email.urgent`);
    expect(subjectOf(Priority.HIGH)).toBe(`${prefix}.deliver.email.urgent`);
    expect(subjectOf(Priority.NORMAL)).toBe(`${prefix}.deliver.email`);
    expect(subjectOf(Priority.LOW)).toBe(`${prefix}.deliver.email`);
    expect(subjectOf(Priority.UNSPECIFIED)).toBe(`${prefix}.deliver.email`);
    // Each lane has its own durable consumer, which sees its lane only.
    const urgent = await jsm.consumers.info(`${prefix}_deliveries`, "deliver-email-urgent");
    const bulk = await jsm.consumers.info(`${prefix}_deliveries`, "deliver-email");
    expect(urgent.config.filter_subject).toBe(`${prefix}.deliver.email.urgent`);
    expect(bulk.config.filter_subject).toBe(`${prefix}.deliver.email`);
    expect([urgent.num_pending, bulk.num_pending]).toEqual([2, 3]);
    // The queue depth gauge counts both lanes.
    await waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${h.app.metricsPort}/metrics`)).text();
        return /^herald_consumer_pending\{channel="email"\} 5$/m.test(text);
      },
      15_000,
      "herald_consumer_pending of both lanes",
    );
  }, 60_000);

  it("delivers a critical email, retry included, while the bulk lane is still busy with hundreds", async () => {
    const prefix = uniquePrefix();
    // One bulk slot and one urgent slot; a provider call may take long (the held one).
    const h = await herald({
      prefix,
      db: await database(),
      env: { DELIVERY_CONCURRENCY: "1", DELIVERY_URGENT_CONCURRENCY: "1", DELIVERY_TIMEOUT_MS: "120000" },
    });
    const key = await h.apiKey(["admin"]);
    const admin = connectClient(h.url, key);
    const bulkUsers = Array.from({ length: 200 }, (_, i) => `bulk${i}`);
    await upsertRecipients(h, key, [...bulkUsers, "ada"]);
    smtp.reset();
    // The SMTP server holds the first email it gets: the bulk lane's only
    // worker is stuck on it, as on a slow sink, and 199 wait behind it.
    const hold = smtp.holdNext();
    await sendEmail(admin, bulkUsers, "Weekly digest", Priority.NORMAL);
    await hold.held;
    // Its first attempt fails transiently: the retry (a nak with a delay) must stay in the urgent lane.
    smtp.failNext(1, 451, "try again later");
    const res = await sendEmail(admin, ["ada"], "Reset your password", Priority.CRITICAL);

    const arrived = await waitFor(
      () => smtp.messages.find((m) => m.subject === "Reset your password"),
      30_000,
      "the critical email",
    );
    const bulkAtArrival = smtp.messages.filter((m) => m.subject === "Weekly digest").length;
    expect(arrived.to).toEqual(["ada@example.com"]);
    // Without lanes it would be 200th in line; here no bulk email was accepted before it.
    expect(bulkAtArrival).toBe(0);
    expect(smtp.messages[0]?.subject).toBe("Reset your password");
    const [critical] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.EMAIL);
    expect(critical?.status).toBe(DeliveryStatus.SENT);
    expect(critical?.attemptHistory.map((x) => x.outcome)).toEqual([
      AttemptOutcome.TRANSIENT_ERROR,
      AttemptOutcome.SENT,
    ]);

    // The bulk lane then drains: every digest arrives, once.
    hold.release();
    const all = await smtp.waitForMessages(201, 120_000);
    expect(new Set(all.filter((m) => m.subject === "Weekly digest").map((m) => m.to[0])).size).toBe(200);
  }, 240_000);

  it("still delivers a message left on the pre-lanes subject by an older Herald", async () => {
    const prefix = uniquePrefix();
    const db = await database();
    // An old Herald queued a critical delivery on `<prefix>.deliver.email`
    // (there was one subject per channel): made here by moving the message a
    // workerless Herald published to the urgent subject back to the old one.
    const before = await herald({ prefix, db, env: { WORKERS_ENABLED: "false" } });
    const key = await before.apiKey(["admin"]);
    const admin = connectClient(before.url, key);
    await upsertRecipients(before, key, ["ada"]);
    smtp.reset();
    const res = await sendEmail(admin, ["ada"], "Queued before the upgrade", Priority.CRITICAL);
    const id = res.notifications[0]?.id as string;
    const [queued] = await waitFor(async () => {
      const found = await storedMessages(prefix);
      return found.length === 1 && found;
    }, 15_000);
    expect(queued?.subject).toBe(`${prefix}.deliver.email.urgent`);
    await jsm.streams.deleteMessage(`${prefix}_deliveries`, queued?.seq as number);
    await jsm.jetstream().publish(`${prefix}.deliver.email`, queued?.data as Uint8Array);

    // The upgraded Herald with workers: the old subject is the bulk lane's, its consumer the old one.
    const after = await herald({ prefix, db });
    const afterAdmin = connectClient(after.url, key);
    const [delivery] = await settledDeliveries(afterAdmin, id, Channel.EMAIL);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.subject).toBe("Queued before the upgrade");
  }, 60_000);
});
