import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type LocalNats, startLocalNats } from "../../dev/local-nats.js";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { decodeDeliveryMessage } from "../../src/contract/delivery-message.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald, testEnv, uniquePrefix } from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// This file stops and starts NATS, so it runs its own nats-server.
const scratch = mkdtempSync(path.join(os.tmpdir(), "herald-faults-"));
chmodSync(scratch, 0o755);
const prefix = uniquePrefix();
let nats: LocalNats;
let smtp: SmtpReceiver;
let api: TestHerald;
let admin: HeraldClient;
let worker: HeraldProcess;
const processes: HeraldProcess[] = [];

/** Deliveries need a worker process; the in-process Herald only serves the API and runs the relay. */
const dispatchEnv = () => ({
  NATS_URL: nats.url,
  SMTP_URL: smtp.url,
  DELIVERY_TIMEOUT_MS: "1500",
  DELIVERY_RETRY_SCHEDULE: "200ms,400ms,800ms",
});
async function startWorker(): Promise<HeraldProcess> {
  const p = await spawnHerald(testEnv(api.db, prefix, dispatchEnv()));
  processes.push(p);
  return p;
}

beforeAll(async () => {
  nats = await startLocalNats({ bin: inject("natsBin"), storeDir: path.join(scratch, "nats") });
  smtp = await startSmtpReceiver();
  api = await startHerald({ natsPrefix: prefix, env: { ...dispatchEnv(), WORKERS_ENABLED: "false" } });
  const key = await api.apiKey(["admin"]);
  admin = connectClient(api.url, key);
  const recipients = serviceClient(RecipientService, api.url, key);
  for (let i = 0; i < 40; i++) await recipients.upsertRecipient({ userId: `u${i}`, email: `u${i}@example.com` });
  worker = await startWorker();
}, 120_000);
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await api?.close();
  await smtp?.close();
  await nats?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function sendEmail(userId: string, title: string, extra: object = {}) {
  const res = await admin.send({
    userIds: [userId],
    category: "faults",
    title,
    body: "b",
    channels: [Channel.EMAIL],
    ...extra,
  });
  return res.notifications[0]?.id as string;
}
const received = (deliveryId: string | undefined) =>
  smtp.messages.filter((m) => m.messageId === `<${deliveryId}@herald>`);

describe("under faults, every accepted delivery ends sent (or dead, visibly) and no receiver sees it twice", () => {
  it("SMTP down, then back: retried, then delivered once", async () => {
    await smtp.stop();
    const id = await sendEmail("u0", "while SMTP is down");
    await waitFor(
      async () => {
        const d = (await admin.getNotification({ id })).deliveries[0];
        return d !== undefined && d.attemptHistory.length >= 1 && d;
      },
      10_000,
      "a failed attempt",
    );
    await smtp.start();
    const [delivery] = await settledDeliveries(admin, id, Channel.EMAIL);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    expect(delivery?.attemptHistory.at(0)?.error).toMatch(/ECONNREFUSED/);
    expect(received(delivery?.id)).toHaveLength(1);
  });

  it("SMTP failing for good: dead after every attempt, on the dead-letter stream, and RetryDelivery delivers", async () => {
    smtp.failAlways(451, "mailbox busy");
    const id = await sendEmail("u1", "never accepted");
    const [dead] = await settledDeliveries(admin, id, Channel.EMAIL);
    expect(dead).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 4 });
    expect(dead?.attemptHistory.map((a) => a.error)).toEqual(Array(4).fill(expect.stringContaining("451")));
    const { deliveries } = await admin.listDeliveries({ status: DeliveryStatus.DEAD, channel: Channel.EMAIL });
    expect(deliveries.map((d) => d.id)).toContain(dead?.id);

    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const letter = await jsm.streams.getMessage(`${prefix}_dead_letters`, { last_by_subj: `${prefix}.dead.email` });
      expect(decodeDeliveryMessage(letter?.data ?? new Uint8Array())).toMatchObject({
        deliveryId: dead?.id,
        error: expect.stringContaining("451"),
      });
    } finally {
      await nc.close();
    }

    smtp.reset();
    const retried = await admin.retryDelivery({ deliveryId: dead?.id as string });
    expect(retried.delivery?.status).toBe(DeliveryStatus.PENDING);
    const [sent] = await settledDeliveries(admin, id, Channel.EMAIL);
    expect(sent).toMatchObject({ status: DeliveryStatus.SENT, attempts: 5 });
    expect(received(sent?.id)).toHaveLength(1);
  });

  it("a permanent SMTP rejection is dead after one attempt", async () => {
    smtp.failNext(1, 550, "no such user");
    const [dead] = await settledDeliveries(admin, await sendEmail("u2", "rejected"), Channel.EMAIL);
    expect(dead).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(dead?.lastError).toContain("550");
  });

  it("NATS stopped during Send: calls succeed, deliveries arrive after NATS returns", async () => {
    await nats.stop();
    const ids = [];
    try {
      for (let i = 3; i < 6; i++) {
        ids.push(
          await sendEmail(`u${i}`, `sent while NATS is down ${i}`, { channels: [Channel.IN_APP, Channel.EMAIL] }),
        );
      }
      // The in-app part is in the inbox already: it needs only Postgres.
      expect((await admin.list({ userId: "u3" })).notifications.map((n) => n.id)).toContain(ids[0]);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await nats.start();
    }
    for (const id of ids) {
      const [d] = await settledDeliveries(admin, id, Channel.EMAIL, 30_000);
      expect(d?.status).toBe(DeliveryStatus.SENT);
      expect(received(d?.id)).toHaveLength(1);
    }
  });

  it("a process that crashed between commit and publish: another process's relay delivers", async () => {
    await nats.stop();
    let notificationId: string;
    try {
      // A process that starts while NATS is down serves anyway: Postgres is the record.
      const doomed = await spawnHerald(testEnv(api.db, prefix, { ...dispatchEnv(), WORKERS_ENABLED: "false" }));
      processes.push(doomed);
      const res = await connectClient(doomed.url, await api.apiKey(["send"])).send({
        userIds: ["u6"],
        category: "faults",
        title: "committed, never published",
        body: "b",
        channels: [Channel.EMAIL],
      });
      notificationId = res.notifications[0]?.id as string;
      expect(await doomed.stop("SIGKILL")).toBeNull();
      const [{ count }] = await api.db.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM outbox o JOIN deliveries d ON d.id = o.delivery_id WHERE d.notification_id = $1",
        [notificationId],
      );
      expect(count).toBe(1);
    } finally {
      await nats.start();
    }
    const [d] = await settledDeliveries(admin, notificationId, Channel.EMAIL, 30_000);
    expect(d?.status).toBe(DeliveryStatus.SENT);
    expect(received(d?.id)).toHaveLength(1);
  });

  it("a worker killed mid-delivery: redelivered to another, and the receiver sees one message", async () => {
    const hold = smtp.holdNext();
    const id = await sendEmail("u7", "held by a worker that dies");
    await hold.held;
    expect(await worker.stop("SIGKILL")).toBeNull();
    await hold.disconnected;
    hold.release(); // too late: the sender is gone, so this one does not count
    worker = await startWorker();
    const [d] = await settledDeliveries(admin, id, Channel.EMAIL, 30_000);
    expect(d?.status).toBe(DeliveryStatus.SENT);
    expect(d?.attemptHistory.map((a) => a.error)).toEqual([expect.stringContaining("lease ran out"), ""]);
    expect(received(d?.id)).toHaveLength(1);
  });

  it("two worker processes share the work and send nothing twice", async () => {
    await startWorker();
    smtp.reset();
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push(await sendEmail(`u${i}`, `shared ${i}`));
    const deliveryIds = [];
    for (const id of ids) {
      const [d] = await settledDeliveries(admin, id, Channel.EMAIL, 30_000);
      expect(d?.status).toBe(DeliveryStatus.SENT);
      deliveryIds.push(d?.id);
    }
    expect(smtp.messages).toHaveLength(40);
    expect(new Set(smtp.messages.map((m) => m.messageId))).toEqual(new Set(deliveryIds.map((d) => `<${d}@herald>`)));
    // A second process starting and 40 emails: over 30 s on a busy 2-core machine.
  }, 120_000);

  it("Cancel withdraws a scheduled notification before it goes out", async () => {
    smtp.reset();
    const id = await sendEmail("u8", "canceled", { sendAt: timestampFromDate(new Date(Date.now() + 1500)) });
    const res = await admin.cancel({ id });
    expect(res.canceledCount).toBe(1);
    expect(res.deliveries.map((d) => d.status)).toEqual([DeliveryStatus.CANCELED]);
    await new Promise((r) => setTimeout(r, 2500));
    expect(smtp.messages).toHaveLength(0);
    expect((await admin.cancel({ id })).canceledCount).toBe(0);
  });
});
