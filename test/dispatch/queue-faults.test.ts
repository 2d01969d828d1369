import { AckPolicy, type JetStreamManager, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { decodeDeliveryMessage } from "../../src/contract/delivery-message.js";
import type { Logger } from "../../src/telemetry/logger.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald, uniquePrefix } from "../helpers/herald.js";
import { capturedLogger } from "../helpers/log-sink.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// The queue's failure paths, seen from outside: through JetStream itself
// (streams, subjects, advisories), /readyz, the logs and the RPC API.
let nc: NatsConnection;
let jsm: JetStreamManager;
let smtp: SmtpReceiver;
const started: TestHerald[] = [];

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  jsm = await jetstreamManager(nc);
  smtp = await startSmtpReceiver();
});
afterAll(async () => {
  for (const h of started) await h.close();
  await smtp.close();
  await nc.close();
});

async function herald(prefix: string, logger?: Logger) {
  const h = await startHerald({
    natsPrefix: prefix,
    env: { SMTP_URL: smtp.url, DELIVERY_RETRY_SCHEDULE: "200ms", METRICS_REFRESH_INTERVAL_MS: "100" },
    ...(logger !== undefined && { logger }),
  });
  started.push(h);
  return h;
}

const deadStreamConfig = (prefix: string) => ({
  name: `${prefix}_dead_letters`,
  subjects: [`${prefix}.dead.>`],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  max_age: nanos(30 * 24 * 3_600_000),
  duplicate_window: nanos(120_000),
});

describe("the delivery queue under faults", () => {
  it("keeps a dead delivery's letter when storing it fails: not dead until the letter is on the stream", async () => {
    const prefix = uniquePrefix();
    const h = await herald(prefix);
    const key = await h.apiKey(["admin"]);
    const admin = connectClient(h.url, key);
    await serviceClient(RecipientService, h.url, key).upsertRecipient({ userId: "d1", email: "d1@example.com" });
    await waitFor(async () => (await fetch(`${h.url}/readyz`)).ok, 15_000, "delivery set up");
    // The dead-letter stream disappears (an operator's mistake, a NATS
    // restore): publishing a letter now fails.
    await jsm.streams.delete(`${prefix}_dead_letters`);

    smtp.failAlways(550, "no such user");
    try {
      const res = await admin.send({
        userIds: ["d1"],
        category: "dead",
        title: "t",
        body: "b",
        channels: [Channel.EMAIL],
      });
      const id = res.notifications[0]?.id as string;
      const waiting = await waitFor(
        async () => {
          const d = (await admin.getNotification({ id })).deliveries.find((x) => x.channel === Channel.EMAIL);
          return d !== undefined && d.attemptHistory.length >= 1 && d;
        },
        15_000,
        "the first attempt",
      );
      expect(waiting.status).not.toBe(DeliveryStatus.DEAD);
      expect(waiting.lastError).toMatch(/550.*its dead letter could not be stored/);

      await jsm.streams.add(deadStreamConfig(prefix));
      const [dead] = await settledDeliveries(admin, id, Channel.EMAIL, 30_000);
      expect(dead?.status).toBe(DeliveryStatus.DEAD);
      const letter = await jsm.streams.getMessage(`${prefix}_dead_letters`, { last_by_subj: `${prefix}.dead.email` });
      expect(decodeDeliveryMessage(letter?.data ?? new Uint8Array())).toMatchObject({
        deliveryId: dead?.id,
        error: expect.stringContaining("550"),
      });
    } finally {
      smtp.reset();
    }
  });

  it("terminates a message no worker can read, and keeps it on the dead-letter stream", async () => {
    const prefix = uniquePrefix();
    const h = await herald(prefix);
    await waitFor(async () => (await fetch(`${h.url}/readyz`)).ok, 15_000, "delivery set up");
    const terminated: unknown[] = [];
    const acked: unknown[] = [];
    // JetStream announces a term() as an advisory; an ack is seen as an ack sample (sampling on).
    const stream = `${prefix}_deliveries`;
    await waitFor(
      () =>
        jsm.consumers.info(stream, "deliver-email").then(
          () => true,
          () => false,
        ),
      15_000,
      "the consumer",
    );
    await jsm.consumers.update(stream, "deliver-email", { sample_freq: "100%" });
    const termSub = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${stream}.deliver-email`, {
      callback: (_e, m) => void terminated.push(m.json()),
    });
    const ackSub = nc.subscribe(`$JS.EVENT.METRIC.CONSUMER.ACK.${stream}.deliver-email`, {
      callback: (_e, m) => void acked.push(m.json()),
    });
    try {
      const garbage = new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]);
      const js = jsm.jetstream();
      const ack = await js.publish(`${prefix}.deliver.email`, garbage);

      await waitFor(() => terminated.length === 1, 15_000, "a MSG_TERMINATED advisory");
      expect(terminated[0]).toMatchObject({ stream_seq: ack.seq, consumer: "deliver-email" });
      expect(acked).toEqual([]);
      const kept = await jsm.streams.getMessage(`${prefix}_dead_letters`, { last_by_subj: `${prefix}.dead.poison` });
      expect(kept?.data).toEqual(garbage);
      expect(kept?.header.get("Herald-Poison-Subject")).toBe(`${prefix}.deliver.email`);
      const info = await jsm.consumers.info(stream, "deliver-email");
      expect(info.num_ack_pending + info.num_pending).toBe(0);
      const metrics = await (await fetch(`http://127.0.0.1:${h.app.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^herald_poison_messages_total 1$/m);
    } finally {
      termSub.unsubscribe();
      ackSub.unsubscribe();
    }
  });

  it("reports a JetStream setup failure by its cause, keeps reporting it, and recovers without a restart", async () => {
    const prefix = uniquePrefix();
    // Another stream already owns Herald's delivery subjects: Herald cannot create its own.
    await jsm.streams.add({
      name: `${prefix}_squatter`,
      subjects: [`${prefix}.deliver.>`],
      storage: StorageType.Memory,
    });
    const log = capturedLogger("warn");
    const h = await herald(prefix, log.logger);
    const key = await h.apiKey(["admin"]);
    const admin = connectClient(h.url, key);
    await serviceClient(RecipientService, h.url, key).upsertRecipient({ userId: "s1", email: "s1@example.com" });

    const readiness = await waitFor(
      async () => {
        const res = await fetch(`${h.url}/readyz`);
        const body = (await res.json()) as { deliveryError?: string };
        return res.status === 503 && body.deliveryError !== undefined && body.deliveryError;
      },
      15_000,
      "/readyz reporting the setup error",
    );
    expect(readiness).toMatch(new RegExp(`creating stream ${prefix}_deliveries: .*subjects overlap`, "i"));
    await waitFor(
      () => log.lines.filter((l) => l.msg === "delivery setup failed; retrying").length >= 2,
      15_000,
      "the failure logged on each retry",
    );
    // Sends are accepted meanwhile (the outbox keeps them).
    const res = await admin.send({
      userIds: ["s1"],
      category: "setup",
      title: "t",
      body: "b",
      channels: [Channel.EMAIL],
    });

    await jsm.streams.delete(`${prefix}_squatter`);
    await waitFor(async () => (await fetch(`${h.url}/readyz`)).ok, 20_000, "ready once the conflict is gone");
    const [sent] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.EMAIL, 20_000);
    expect(sent?.status).toBe(DeliveryStatus.SENT);
    const consumer = await jsm.consumers.info(`${prefix}_deliveries`, "deliver-email");
    expect(consumer.config.ack_policy).toBe(AckPolicy.Explicit);
  });
});
