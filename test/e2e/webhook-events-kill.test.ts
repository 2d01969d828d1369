import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import {
  createTestDatabase,
  startHerald,
  type TestDatabase,
  type TestHerald,
  testEnv,
  uniquePrefix,
} from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

// Event webhooks outlive the processes relaying and posting them: two
// `herald serve` processes are killed with SIGKILL in turn while the webhook
// event relay and the webhook workers are busy, a third finishes, and every
// event reaches the endpoint under one webhook-id (a post cut off by a kill
// is retried under the same id: receivers drop it by id), none is lost.

const prefix = uniquePrefix();
const notifications = 3_000;
let db: TestDatabase;
let api: TestHerald;
let receiver: WebhookReceiver;
const processes: HeraldProcess[] = [];

async function startProcess(): Promise<HeraldProcess> {
  const p = await spawnHerald(
    testEnv(db, prefix, {
      // Small rounds, often: a kill lands between and inside relay rounds.
      WEBHOOK_EVENTS_BATCH: "50",
      WEBHOOK_EVENTS_INTERVAL_MS: "20",
      EVENT_SEQUENCER_INTERVAL_MS: "20",
    }),
    60_000,
  );
  processes.push(p);
  return p;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // The API for the test, with no workers and a relay that waits ten minutes
  // between rounds: relaying and posting are the spawned processes' alone.
  api = await startHerald({
    db,
    natsPrefix: prefix,
    env: { WORKERS_ENABLED: "false", WEBHOOK_EVENTS_INTERVAL_MS: "600000" },
  });
  receiver = await startWebhookReceiver({ secret: generateWebhookSecret() });
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await api?.close();
  await receiver?.close();
  await db?.close();
});

/** Distinct notifications whose delivery.sent webhook arrived. */
const arrived = () =>
  new Set(receiver.deliveries.map((w) => (w.payload as { data: { notificationId: string } }).data.notificationId)).size;

describe("event webhooks across SIGKILL", () => {
  it("reach the endpoint once per event (one webhook-id each) when relaying processes are killed", async () => {
    const key = await api.apiKey(["admin", "send"]);
    const { secret } = await serviceClient(WebhookService, api.url, key).createWebhookEndpoint({
      url: receiver.url,
      eventTypes: ["delivery.sent"],
    });
    receiver.setSecret(secret);
    const first = await startProcess();
    const client = connectClient(api.url, key);
    for (let from = 0; from < notifications; from += 500) {
      const userIds = Array.from({ length: 500 }, (_, i) => `wkill-${from + i}`);
      await client.send({ userIds, category: "wkill", title: "t", body: "b", channels: [Channel.IN_APP] });
    }

    await waitFor(() => arrived() >= notifications / 10, 120_000, "the first webhooks");
    await first.stop("SIGKILL");
    const second = await startProcess();
    await waitFor(() => arrived() >= notifications / 2, 120_000, "webhooks from the second process");
    await second.stop("SIGKILL");
    await startProcess();
    await waitFor(() => arrived() === notifications, 180_000, "every event's webhook");
    // A moment for a late duplicate of anything.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(receiver.rejected).toBe(0);
    const idsByNotification = new Map<string, Set<string>>();
    for (const w of receiver.deliveries) {
      const { type, data } = w.payload as { type: string; data: { notificationId: string } };
      expect(type).toBe("delivery.sent");
      const ids = idsByNotification.get(data.notificationId) ?? new Set<string>();
      ids.add(w.id);
      idsByNotification.set(data.notificationId, ids);
    }
    expect(idsByNotification.size).toBe(notifications);
    // Each event under one webhook-id: the relay wrote it once, however the kills fell.
    expect([...idsByNotification.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    const [row] = await db.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE event_seq > 0");
    expect(Number(row?.n)).toBe(notifications);
  }, 400_000);
});
