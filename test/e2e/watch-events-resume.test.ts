import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Event, EventType } from "../../gen/ts/herald/v1/event_pb.js";
import { EventService } from "../../gen/ts/herald/v1/event_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, testEnv, uniquePrefix } from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { collect, waitFor } from "../helpers/wait.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

const prefix = uniquePrefix();
const env = { EVENT_SEQUENCER_INTERVAL_MS: "30", DELIVERY_RETRY_SCHEDULE: "100ms,200ms" };
let a: TestHerald;
let b: HeraldProcess;
let receiver: WebhookReceiver;

beforeAll(async () => {
  a = await startHerald({ natsPrefix: prefix, env });
  b = await spawnHerald(testEnv(a.db, prefix, env));
  receiver = await startWebhookReceiver({ secret: generateWebhookSecret() });
});
afterAll(async () => {
  await b?.stop();
  await a?.close();
  await receiver?.close();
});

const perPhase = 15;
const attempts = 3; // the first try and DELIVERY_RETRY_SCHEDULE's two retries

describe("WatchEvents across a disconnect and a change of process", () => {
  it("delivers every event exactly once, in seq order, with no gap", async () => {
    const admin = await a.apiKey(["admin"]);
    const { endpoint, secret } = await serviceClient(WebhookService, a.url, admin).createWebhookEndpoint({
      url: receiver.url,
      categories: ["counted"],
    });
    receiver.setSecret(secret);
    receiver.respond({ status: 500 }, 10_000); // every webhook attempt fails: failed, failed, failed, dead
    const readKey = await a.apiKey(["read"]);
    const senders = [connectClient(a.url, admin), connectClient(b.url, admin)];

    const abort = new AbortController();
    const first = collect(serviceClient(EventService, a.url, readKey).watchEvents({}, { signal: abort.signal }));
    await first.atLeast(1);
    const start = first.items[0]?.kind.value?.cursor as string;

    /** Sends from both processes at once (both sequencers compete), and marks half read. */
    async function phase(tag: string) {
      const ids = await Promise.all(
        Array.from({ length: perPhase }, async (_, i) => {
          const res = await (senders[i % 2] as (typeof senders)[0]).send({
            userIds: [`${tag}-${i}`],
            category: "counted",
            title: `${tag} ${i}`,
            body: "b",
          });
          return res.notifications[0]?.id as string;
        }),
      );
      await Promise.all(
        ids.slice(0, Math.ceil(perPhase / 2)).map(async (id, i) => {
          const user = connectClient(i % 2 === 0 ? a.url : b.url, await a.userToken(`${tag}-${i}`));
          await user.markRead({ notificationIds: [id] });
        }),
      );
      return ids;
    }

    const firstIds = await phase("one");
    const received = () => first.items.flatMap((r) => (r.kind.case === "event" ? [r.kind.value] : []));
    await waitFor(() => received().length >= perPhase, 10_000, "some of phase one");
    abort.abort(); // disconnect mid-way: deliveries of phase one are still failing
    await first.done;
    const beforeCut = received();
    const cursor = beforeCut.at(-1)?.cursor as string;
    const secondIds = await phase("two");

    // Resume on the other process, a separate OS process with its own sequencer and wake-ups.
    const resumed = collect(serviceClient(EventService, b.url, readKey).watchEvents({ cursor }));
    const all = [...firstIds, ...secondIds];
    const expected = {
      [EventType.NOTIFICATION_CREATED]: all.length,
      [EventType.DELIVERY_SENT]: all.length, // in-app
      [EventType.NOTIFICATION_READ]: 2 * Math.ceil(perPhase / 2),
      [EventType.DELIVERY_FAILED]: all.length * attempts,
      [EventType.DELIVERY_DEAD]: all.length,
    };
    const afterCut = () => resumed.items.flatMap((r) => (r.kind.case === "event" ? [r.kind.value] : []));
    const counts = (events: Event[]) => {
      const c: Record<number, number> = {};
      for (const e of events) c[e.type] = (c[e.type] ?? 0) + 1;
      return c;
    };
    const total = Object.values(expected).reduce((x, y) => x + y, 0);
    await waitFor(() => beforeCut.length + afterCut().length >= total, 60_000, `${total} events`);
    // A little longer, to catch any duplicate or stray event.
    await new Promise((r) => setTimeout(r, 500));
    const seen = [...beforeCut, ...afterCut()];
    expect(counts(seen)).toEqual(expected);

    // Exactly once, in seq order: the cursors are strictly increasing across the cut.
    const seqs = seen.map((e) => Number(e.cursor));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
    // No gap: they are exactly the tenant's events after the start in the log.
    const rows = await a.app.db.rows<{ seq: string }>(
      "SELECT seq FROM events WHERE tenant_id = 'default' AND seq > $1 ORDER BY seq",
      [Number(start)],
    );
    expect(seqs).toEqual(rows.map((r) => Number(r.seq)));
    // And the log itself is numbered 1..head with no hole and nothing left unnumbered.
    const [log] = await a.app.db.rows<{ n: string; lo: string; hi: string; head: string; waiting: string }>(
      `SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, (SELECT seq FROM event_log_head) AS head,
              (SELECT count(*) FROM events WHERE seq IS NULL) AS waiting FROM events WHERE seq IS NOT NULL`,
    );
    expect([Number(log?.n), Number(log?.lo), Number(log?.hi), Number(log?.waiting)]).toEqual([
      Number(log?.head),
      1,
      Number(log?.head),
      0,
    ]);

    // Each notification: created first; its webhook attempts numbered 1..3, then dead.
    for (const id of all) {
      const mine = seen.filter((e) => e.notificationId === id);
      expect(mine[0]?.type).toBe(EventType.NOTIFICATION_CREATED);
      const hook = mine.filter((e) => e.payload.case === "delivery" && e.payload.value.target === endpoint?.id);
      expect(hook.map((e) => [e.type, e.payload.case === "delivery" && e.payload.value.attemptNumber])).toEqual([
        [EventType.DELIVERY_FAILED, 1],
        [EventType.DELIVERY_FAILED, 2],
        [EventType.DELIVERY_FAILED, 3],
        [EventType.DELIVERY_DEAD, 3],
      ]);
      const failed = hook[0];
      expect(failed?.payload.case === "delivery" && failed.payload.value.error).toContain("500");
    }
    expect(seen.every((e) => e.tenantId === "default" && e.userId !== "")).toBe(true);
  }, 120_000);
});
