import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jszStreams, readJsz } from "../../dev/jetstream-monitor.js";
import { type LocalNatsCluster, startLocalNatsCluster } from "../../dev/local-nats-cluster.js";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { type FeedWatch, watchFeed } from "../helpers/feed-watch.js";
import { createTestDatabase, type TestDatabase, testEnv, uniquePrefix, userTokenSecret } from "../helpers/herald.js";
import { type HeraldProcess, localPortsOf, spawnHerald } from "../helpers/process.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

// Herald on a 3-node JetStream cluster (R3 streams and consumers), with real
// SMTP and webhook receivers: a steady flow of Sends keeps going while a NATS
// node dies (kill -9) and comes back, and while a Herald replica dies. Every
// accepted delivery must arrive, each at most once (outside the documented
// window: a worker that dies after its provider accepted), no Send may fail,
// and every Subscribe stream must see every event once, in order.

const scratch = mkdtempSync(path.join(os.tmpdir(), "herald-cluster-"));
chmodSync(scratch, 0o755);
const prefix = uniquePrefix();
const stream = `${prefix}_deliveries`;
const adminKey = "hk_clustertest01_0123456789abcdefghijklmnopqrstuv";
const users = Array.from({ length: 6 }, (_, i) => `member${i}`);
let cluster: LocalNatsCluster;
let db: TestDatabase;
let smtp: SmtpReceiver;
let hooks: WebhookReceiver;
const processes: HeraldProcess[] = [];
const watches: FeedWatch[] = [];

async function startReplica(): Promise<HeraldProcess> {
  const p = await spawnHerald(
    testEnv(db, prefix, {
      NATS_URL: cluster.url,
      NATS_STREAM_REPLICAS: "3",
      SMTP_URL: smtp.url,
      HERALD_BOOTSTRAP_API_KEY: adminKey,
      // A lease (twice this) short enough that a dead worker's deliveries move on within the test, long
      // enough that a busy machine never lets a live worker's lease run out mid-send.
      DELIVERY_TIMEOUT_MS: "4000",
      DELIVERY_RETRY_SCHEDULE: "200ms,400ms,800ms,1s,2s,2s,2s,2s",
    }),
    60_000,
  );
  processes.push(p);
  await waitFor(async () => (await fetch(`${p.url}/readyz`)).status === 200, 60_000, `replica ${p.port} ready`);
  return p;
}

beforeAll(async () => {
  [cluster, smtp, hooks, db] = await Promise.all([
    startLocalNatsCluster({ bin: inject("natsBin"), storeDir: path.join(scratch, "nats") }),
    startSmtpReceiver(),
    startWebhookReceiver({ secret: generateWebhookSecret() }),
    createTestDatabase(),
  ]);
  const first = await startReplica();
  await startReplica();
  const recipients = serviceClient(RecipientService, first.url, adminKey);
  for (const u of users) await recipients.upsertRecipient({ userId: u, email: `${u}@example.com` });
  const { secret } = await serviceClient(WebhookService, first.url, adminKey).createWebhookEndpoint({
    url: hooks.url,
    categories: ["flow"],
  });
  hooks.setSecret(secret);
}, 180_000);

afterAll(async () => {
  for (const w of watches) w.close();
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await Promise.all([cluster?.stop(), smtp?.close(), hooks?.close(), db?.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

const alive = () => processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);

/**
 * Sends one notification (in-app, email, webhook) every `everyMs` through the
 * live replicas in turn until `stop()`; every Send must succeed.
 */
function startFlow(tag: string, everyMs = 60) {
  const ids: string[] = [];
  const failures: string[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const replicas = alive();
      const p = replicas[i % replicas.length] as HeraldProcess;
      try {
        const res = await connectClient(p.url, adminKey).send({
          userIds: [users[i % users.length] as string],
          category: "flow",
          title: `${tag} ${i}`,
          body: "b",
          channels: [Channel.IN_APP, Channel.EMAIL, Channel.WEBHOOK],
        });
        ids.push(res.notifications[0]?.id as string);
      } catch (error) {
        failures.push(`${tag} ${i} via ${p.port}: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    ids,
    failures,
    async stop() {
      running = false;
      await done;
      return ids;
    },
  };
}

/** Every email and webhook delivery of these notifications, once they all settled as sent. */
async function sentDeliveries(ids: string[]) {
  return waitFor(
    async () => {
      const rows = await db.query<{ id: string; channel: string; status: string }>(
        "SELECT id, channel, status FROM deliveries WHERE notification_id = ANY($1::uuid[]) AND channel IN ('email', 'webhook')",
        [ids],
      );
      return rows.length === ids.length * 2 && rows.every((r) => r.status === "sent") && rows;
    },
    90_000,
    `every email and webhook delivery of ${ids.length} notifications sent`,
  );
}

/** How often each delivery id reached its receiver. */
function receptions(): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  const add = (id: string, at: number) => seen.set(id, [...(seen.get(id) ?? []), at]);
  for (const m of smtp.messages) add(m.messageId.replace(/^<|@herald>$/g, ""), m.receivedAt.getTime());
  for (const h of hooks.deliveries) add(h.id, h.timestamp * 1000);
  return seen;
}

/** Holds a stream for every user on every live replica. */
async function watchEveryone(): Promise<FeedWatch[]> {
  const mine: FeedWatch[] = [];
  for (const p of alive()) {
    for (const u of users) mine.push(watchFeed(p.url, await mintUserToken(userTokenSecret, u), u));
  }
  watches.push(...mine);
  await Promise.all(mine.map((w) => w.synced()));
  return mine;
}

/** Each stream saw each of its user's notifications exactly once, in the order they were sent. */
async function expectStreamsComplete(streams: FeedWatch[], ids: string[]) {
  const owner = new Map<string, string>();
  const rows = await db.query<{ id: string; user_id: string }>(
    "SELECT id, user_id FROM notifications WHERE id = ANY($1::uuid[])",
    [ids],
  );
  for (const r of rows) owner.set(r.id, r.user_id);
  for (const w of streams) {
    const expected = ids.filter((id) => owner.get(id) === w.userId);
    await waitFor(
      () => expected.every((id) => w.ids.includes(id)),
      30_000,
      `stream of ${w.userId} on ${w.where()} to see its ${expected.length} notifications`,
    );
    const seen = w.ids.filter((id) => expected.includes(id));
    expect(seen, `stream of ${w.userId}: each notification once, in order`).toEqual(expected);
  }
}

/**
 * While the node is still down: Sends made after it died (from the flow's
 * `from`-th on) are delivered by email and webhook, so the cluster carries on
 * without it rather than waiting for it to come back.
 */
async function deliveredWithout(from: number, flow: { ids: string[] }) {
  await waitFor(() => flow.ids.length >= from + 10, 60_000, "Sends to go on without the node");
  await sentDeliveries(flow.ids.slice(from, from + 10));
}

async function expectDeliveredOnce(ids: string[]) {
  const sent = await sentDeliveries(ids);
  // Time for a redelivery to show up, if there were one.
  await new Promise((r) => setTimeout(r, 2_000));
  const seen = receptions();
  for (const d of sent) expect(seen.get(d.id)?.length, `${d.channel} delivery ${d.id} received`).toBe(1);
}

/**
 * With streams open and Sends flowing: kills (-9) the node `leader()` names, waits
 * for another to lead and for Sends made meanwhile to be delivered, restarts the
 * node, sends on, then checks every delivery arrived once and every stream is whole.
 */
async function killMidFlow(tag: string, leader: () => Promise<string>) {
  await cluster.metaLeader();
  const streams = await watchEveryone();
  const flow = startFlow(tag);
  await waitFor(() => flow.ids.length >= 10, 30_000, "the flow to start");
  const killed = await leader();
  await cluster.node(killed).kill();
  expect(await leader()).not.toBe(killed);
  await deliveredWithout(flow.ids.length, flow);
  await cluster.node(killed).start();
  const restartedAt = flow.ids.length;
  await waitFor(() => flow.ids.length >= restartedAt + 10, 60_000, "Sends after the restart");
  const ids = await flow.stop();
  expect(flow.failures).toEqual([]);
  await expectDeliveredOnce(ids);
  await expectStreamsComplete(streams, ids);
  for (const w of streams) w.close();
}

describe("on a 3-node JetStream cluster, with two Herald replicas", () => {
  it("the streams and consumers have three replicas", async () => {
    const leader = await cluster.streamLeader(stream);
    expect(cluster.nodes.map((n) => n.name)).toContain(leader);
    const jsz = await readJsz(cluster.nodes[0]?.httpPort as number, { streams: true, consumers: true });
    const details = jszStreams(jsz).filter((s) => s.name.startsWith(prefix));
    expect(details.map((s) => s.name).sort()).toEqual([`${prefix}_dead_letters`, stream, `${prefix}_fanout`].sort());
    for (const s of details) {
      expect(s.config?.num_replicas).toBe(3);
      // The leader plus two followers.
      expect(s.cluster?.replicas).toHaveLength(2);
    }
    const consumers = details.find((s) => s.name === stream)?.consumer_detail ?? [];
    expect(consumers.map((c) => c.name)).toContain("deliver-email");
    for (const c of consumers) expect(c.cluster?.replicas, `consumer ${c.name}`).toHaveLength(2);
  });

  it("kill -9 of the JetStream meta leader mid-flow, then its restart: nothing lost, nothing twice, streams complete", async () => {
    await killMidFlow("meta", () => cluster.metaLeader());
  }, 240_000);

  it("kill -9 of the deliveries stream's leader mid-flow, then its restart: the same", async () => {
    await killMidFlow("stream", () => cluster.streamLeader(stream));
  }, 240_000);

  it("a replica killed while holding leases and streams, a third started meanwhile: its work moves on", async () => {
    await cluster.metaLeader();
    const streams = await watchEveryone();
    const original = alive();
    const flow = startFlow("replica", 40);
    await waitFor(() => flow.ids.length >= 10, 30_000, "the flow to start");
    await startReplica();
    // Webhook answers held back, so every replica holds leases on deliveries in flight.
    hooks.delay(1_500);
    // The replica to kill: one of the first two that holds webhook requests in flight right now.
    const doomed = await waitFor(
      () => {
        const held = hooks.inFlight();
        return original.find((p) => {
          const ports = localPortsOf(p.child.pid as number);
          return held.filter((port) => ports.has(port)).length >= 2;
        });
      },
      60_000,
      "a replica holding webhook deliveries in flight",
    );
    const killedAt = Date.now();
    expect(await doomed.stop("SIGKILL")).toBeNull();
    // Its streams ended; their clients come back on a live replica with their cursors.
    for (const w of streams) if (w.where() === doomed.url) w.moveTo(alive()[0]?.url as string);
    hooks.delay(0);
    await waitFor(() => flow.ids.length >= 60, 60_000, "Sends after the kill");
    const ids = await flow.stop();
    // Sends in flight on the killed replica may fail: the caller sees an error and retries.
    const lost = flow.failures.filter((f) => !f.includes(`via ${doomed.port}`));
    expect(lost).toEqual([]);

    const sent = await sentDeliveries(ids);
    await new Promise((r) => setTimeout(r, 2_000));
    const seen = receptions();
    for (const d of sent) {
      const times = seen.get(d.id) ?? [];
      expect(times.length, `${d.channel} delivery ${d.id} received`).toBeGreaterThanOrEqual(1);
      // A second copy only of what the dead replica's worker had handed to the provider.
      if (times.length > 1) expect(Math.min(...times), `repeat of ${d.id}`).toBeLessThanOrEqual(killedAt + 1_000);
      expect(times.length).toBeLessThanOrEqual(2);
    }
    await expectStreamsComplete(streams, ids);
    expect(streams.filter((w) => w.resumes > 0).length).toBeGreaterThanOrEqual(users.length);
    const settled = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE notification_id = ANY($1::uuid[]) AND status <> $2",
      [ids, "sent"],
    );
    expect(settled[0]?.n).toBe(0);
    // The killed replica did hold leases: their attempts ended when the lease ran out, and another worker sent them.
    const orphaned = await db.query<{ n: number }>(
      "SELECT count(DISTINCT a.delivery_id)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.notification_id = ANY($1::uuid[]) AND a.error LIKE '%lease ran out%'",
      [ids],
    );
    expect(orphaned[0]?.n).toBeGreaterThan(0);
  }, 240_000);
});
