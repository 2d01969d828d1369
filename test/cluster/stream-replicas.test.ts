import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type LocalNatsCluster, startLocalNatsCluster } from "../../dev/local-nats-cluster.js";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { createTestDatabase, startHerald, type TestDatabase, uniquePrefix } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// NATS_STREAM_REPLICAS: Herald creates its streams and consumers with that many
// replicas, scales existing ones when the setting changes, and says clearly
// why it is not ready when the setting asks for more than the server can give.

const scratch = mkdtempSync(path.join(os.tmpdir(), "herald-replicas-"));
chmodSync(scratch, 0o755);
let cluster: LocalNatsCluster;
let nc: NatsConnection;
let db: TestDatabase;
let smtp: SmtpReceiver;

beforeAll(async () => {
  [cluster, db, smtp] = await Promise.all([
    startLocalNatsCluster({ bin: inject("natsBin"), storeDir: path.join(scratch, "nats") }),
    createTestDatabase(),
    startSmtpReceiver(),
  ]);
  nc = await connect({ servers: cluster.url.split(",") });
}, 120_000);
afterAll(async () => {
  await nc?.close();
  await Promise.all([cluster?.stop(), db?.close(), smtp?.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

/** Replicas of each of a prefix's streams and consumers: configured, and placed (leader + current followers). */
async function placement(prefix: string) {
  const jsm = await jetstreamManager(nc);
  const out: Record<string, { configured: number; placed: number }> = {};
  for (const name of [`${prefix}_deliveries`, `${prefix}_dead_letters`]) {
    const info = await jsm.streams.info(name);
    const followers = info.cluster?.replicas?.filter((r) => r.current).length ?? 0;
    out[name] = { configured: info.config.num_replicas, placed: (info.cluster?.leader ? 1 : 0) + followers };
  }
  const consumer = await jsm.consumers.info(`${prefix}_deliveries`, "deliver-email");
  const followers = consumer.cluster?.replicas?.filter((r) => r.current).length ?? 0;
  out["deliver-email"] = {
    configured: consumer.config.num_replicas ?? 0,
    placed: (consumer.cluster?.leader ? 1 : 0) + followers,
  };
  return out;
}

const everyPlaced = (p: Record<string, { placed: number }>, n: number) => Object.values(p).every((x) => x.placed === n);

async function readiness(url: string) {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { delivery: boolean; deliveryError?: string } };
}

describe("NATS_STREAM_REPLICAS", () => {
  it("on a single server, more than one replica is refused: not ready, saying what to change; Send still records", async () => {
    const herald = await startHerald({ env: { NATS_STREAM_REPLICAS: "3" } });
    try {
      const r = await waitFor(
        async () => {
          const now = await readiness(herald.url);
          return now.body.deliveryError !== undefined && now;
        },
        30_000,
        "a delivery setup error",
      );
      expect(r.status).toBe(503);
      expect(r.body.delivery).toBe(false);
      expect(r.body.deliveryError).toMatch(/NATS_STREAM_REPLICAS=3 needs a NATS cluster.*set NATS_STREAM_REPLICAS=1/);
      const res = await connectClient(herald.url, await herald.apiKey(["send"])).send({
        userIds: ["solo"],
        category: "c",
        title: "t",
        body: "b",
      });
      expect(res.notifications).toHaveLength(1);
    } finally {
      await herald.close();
    }
  });

  it("on a cluster: created with the setting, scaled up and down when it changes, and deliveries keep working", async () => {
    const prefix = uniquePrefix();
    const start = (replicas: number) =>
      startHerald({
        db,
        natsPrefix: prefix,
        env: { NATS_URL: cluster.url, NATS_STREAM_REPLICAS: String(replicas), SMTP_URL: smtp.url },
      });
    const ready = async (url: string) =>
      waitFor(async () => (await readiness(url)).status === 200, 60_000, "readiness");

    let herald = await start(1);
    await ready(herald.url);
    expect(await placement(prefix)).toEqual({
      [`${prefix}_deliveries`]: { configured: 1, placed: 1 },
      [`${prefix}_dead_letters`]: { configured: 1, placed: 1 },
      // 0: the consumer follows its stream.
      "deliver-email": { configured: 0, placed: 1 },
    });
    const admin = connectClient(herald.url, await herald.apiKey(["admin"]));
    await serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"])).upsertRecipient({
      userId: "u",
      email: "u@example.com",
    });
    const before = await admin.send({
      userIds: ["u"],
      category: "c",
      title: "before",
      body: "b",
      channels: [Channel.IN_APP],
    });
    await herald.close();

    herald = await start(3);
    await ready(herald.url);
    // JetStream moves the data to the new peers in the background.
    const scaled = await waitFor(
      async () => {
        const p = await placement(prefix);
        return everyPlaced(p, 3) && p;
      },
      60_000,
      "three replicas of every stream and consumer",
    );
    expect(scaled[`${prefix}_deliveries`]?.configured).toBe(3);
    const admin3 = connectClient(herald.url, await herald.apiKey(["admin"]));
    expect((await admin3.getNotification({ id: before.notifications[0]?.id as string })).notification?.title).toBe(
      "before",
    );
    // A delivery through the scaled stream and consumer.
    const after = await admin3.send({
      userIds: ["u"],
      category: "c",
      title: "after",
      body: "b",
      channels: [Channel.EMAIL],
    });
    const [sent] = await settledDeliveries(admin3, after.notifications[0]?.id as string, Channel.EMAIL, 30_000);
    expect(sent?.status).toBe(DeliveryStatus.SENT);
    expect(smtp.messages.filter((m) => m.messageId === `<${sent?.id}@herald>`)).toHaveLength(1);
    await herald.close();

    herald = await start(1);
    await ready(herald.url);
    await waitFor(async () => everyPlaced(await placement(prefix), 1), 60_000, "back to one replica");
    await herald.close();
  }, 240_000);
});
