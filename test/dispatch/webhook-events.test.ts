import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "../../gen/ts/herald/v1/event_pb.js";
import { EventService } from "../../gen/ts/herald/v1/event_service_pb.js";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { WorkflowSchema, type WorkflowStep } from "../../gen/ts/herald/v1/workflow_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { webhookEventRelayStore } from "../../src/store/webhook-event-relay-store.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";
import { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

// Webhook endpoints receive the event types they subscribe to, from the
// numbered event log (dispatch/webhook-event-relay.ts), through the webhook
// delivery pipeline; real Postgres, NATS and HTTP receivers on loopback that
// verify the Standard Webhooks signature with the reference implementation.

let herald: TestHerald;
let admin: HeraldClient;
let adminKey: string;
let webhooks: ReturnType<typeof serviceClient<typeof WebhookService>>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  herald = await startHerald({ env: { EVENT_SEQUENCER_INTERVAL_MS: "20", WEBHOOK_EVENTS_INTERVAL_MS: "50" } });
  adminKey = await herald.apiKey(["admin", "send", "read"]);
  admin = connectClient(herald.url, adminKey);
  webhooks = serviceClient(WebhookService, herald.url, adminKey);
}, 60_000);
afterAll(async () => {
  await herald.close();
  await Promise.all(receivers.map((r) => r.close()));
});

/** A receiver registered as an endpoint for these event types and categories, verifying Herald's secret. */
async function registered(eventTypes: string[], categories: string[], client = webhooks) {
  const r = await startWebhookReceiver({ secret: generateWebhookSecret() });
  receivers.push(r);
  const { endpoint, secret } = await client.createWebhookEndpoint({ url: r.url, categories, eventTypes });
  r.setSecret(secret);
  return { receiver: r, endpointId: endpoint?.id as string };
}

interface EventBody {
  type: string;
  timestamp: string;
  data: {
    cursor: string;
    type: string;
    notificationId?: string;
    delivery?: { channel: string };
    changed?: { detail?: Record<string, unknown> };
  };
}
const body = (w: ReceivedWebhook) => w.payload as EventBody;
const typesOf = (r: WebhookReceiver) => r.deliveries.map((w) => body(w).type);

/** The log's events about a notification, of these types, as (seq, type). */
async function loggedEvents(notificationId: string, types: string[]) {
  const rows = await herald.db.query<{ seq: string; type: string }>(
    `SELECT seq, type FROM events WHERE seq IS NOT NULL AND type = ANY($2::text[])
       AND (notification_id = $1 OR $1 = ANY (notification_ids))
       AND NOT (type LIKE 'delivery.%' AND channel = 'webhook')
     ORDER BY seq`,
    [notificationId, types],
  );
  return rows.map((r) => [String(r.seq), r.type]);
}

/** Waits until the relay handled every numbered event (its cursor reached the head). */
async function relayCaughtUp(db = herald.db) {
  await waitFor(
    async () => {
      const [row] = await db.query<{ behind: boolean }>(
        `SELECT (SELECT seq FROM webhook_event_cursor) < (SELECT seq FROM event_log_head)
           OR EXISTS (SELECT 1 FROM events WHERE seq IS NULL) AS behind`,
      );
      return row?.behind === false;
    },
    15_000,
    "the webhook event relay to catch up",
  );
}

async function send(userId: string, category: string, client = admin) {
  const { notifications } = await client.send({
    userIds: [userId],
    category,
    title: `t-${category}`,
    body: "b",
    actions: [{ id: "ack", label: "OK" }],
  });
  return notifications[0]?.id as string;
}

describe("webhook event types", () => {
  it("post each subscribed event once, signed, as the Event message; another endpoint gets its own", async () => {
    const a = await registered(["delivery.sent", "notification.read", "notification.interacted"], ["wev"]);
    const b = await registered(["notification.seen", "notification.archived"], ["wev"]);
    const other = await registered(["notification.read"], ["elsewhere"]);
    const id = await send("wev-u1", "wev.item");
    const user = connectClient(herald.url, await herald.userToken("wev-u1"));
    await waitFor(async () => (await user.list({})).notifications.some((n) => n.id === id), 10_000, "in the inbox");
    await user.markRead({ notificationIds: [id], change: ChangeKind.SEEN });
    await user.markRead({ notificationIds: [id] });
    await user.interactNotification({ id, actionId: "ack" });
    await user.markRead({ notificationIds: [id], change: ChangeKind.ARCHIVED });
    await user.markRead({ notificationIds: [id], change: ChangeKind.UNREAD });
    await relayCaughtUp();

    const expected = await loggedEvents(id, ["delivery.sent", "notification.read", "notification.interacted"]);
    expect(new Set(expected.map(([, t]) => t))).toEqual(
      new Set(["delivery.sent", "notification.read", "notification.interacted"]),
    );
    await a.receiver.waitFor(expected.length, 15_000);
    await b.receiver.waitFor(2, 15_000);
    // A moment more for anything that should not come.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Each event once (deliveries travel concurrently, so in any order).
    const got = a.receiver.deliveries.map((w) => [body(w).data.cursor, body(w).type]);
    expect(got.sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual(expected);
    expect(a.receiver.rejected).toBe(0);
    expect(new Set(a.receiver.deliveries.map((w) => w.id)).size).toBe(expected.length);
    expect(typesOf(b.receiver).sort()).toEqual(["notification.archived", "notification.seen"]);
    expect(other.receiver.requests).toBe(0);

    // Posted concurrently: the delivery.sent webhook need not be the first to arrive.
    const sent = a.receiver.deliveries.find((w) => body(w).type === "delivery.sent");
    const payload = body(sent as ReceivedWebhook);
    expect(payload).toMatchObject({
      type: "delivery.sent",
      data: { type: "EVENT_TYPE_DELIVERY_SENT", notificationId: id, delivery: { channel: "CHANNEL_IN_APP" } },
    });
    expect(Date.parse(payload.timestamp)).not.toBeNaN();
    // The webhook deliveries are the endpoint's, listed with the notification's.
    // Each attempt is recorded once its answer came back, so a moment after the receiver saw it.
    await waitFor(
      async () => (await webhooks.listWebhookAttempts({ endpointId: a.endpointId })).attempts.length >= expected.length,
      15_000,
      "every attempt recorded",
    );
    const attempts = await webhooks.listWebhookAttempts({ endpointId: a.endpointId });
    expect(attempts.attempts).toHaveLength(expected.length);
  });

  it("do not post delivery events of webhook deliveries (no loop)", async () => {
    const loop = await registered(
      ["notification.created", "delivery.sent", "delivery.failed", "delivery.dead"],
      ["wloop"],
    );
    loop.receiver.respond({ status: 503 }, 1);
    const id = await send("wloop-u1", "wloop");
    await relayCaughtUp();
    // notification.created (the channel's post, after one failed attempt) and the in-app delivery.sent.
    await loop.receiver.waitFor(3, 15_000);
    await waitFor(async () => {
      const rows = await herald.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM deliveries WHERE notification_id = $1 AND status NOT IN ('sent', 'dead')",
        [id],
      );
      return rows[0]?.n === 0;
    }, 15_000);
    await relayCaughtUp();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await relayCaughtUp();
    // The first answer was a 503: notification.created came twice under one webhook-id.
    const byId = new Map(loop.receiver.deliveries.map((w) => [w.id, body(w).type]));
    expect(loop.receiver.deliveries).toHaveLength(3);
    expect([...byId.values()].sort()).toEqual(["delivery.sent", "notification.created"]);
    expect(
      body(loop.receiver.deliveries.find((w) => body(w).type === "delivery.sent") as ReceivedWebhook).data.delivery,
    ).toMatchObject({ channel: "CHANNEL_IN_APP" });
    // The log does have the webhook deliveries' own events; none was posted.
    const webhookEvents = await herald.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE notification_id = $1 AND channel = 'webhook'",
      [id],
    );
    expect(webhookEvents[0]?.n).toBeGreaterThanOrEqual(3);
  });

  it("log workflow.step_skipped and carry it on WatchEvents and to a subscribed endpoint", async () => {
    const workflows = serviceClient(WorkflowService, herald.url, adminKey);
    const condition = { kind: { case: "condition", value: { expression: "false" } } } as WorkflowStep;
    const deliver = {
      kind: { case: "deliver", value: { channels: [Channel.IN_APP], templateKey: "" } },
    } as WorkflowStep;
    const workflow: MessageInitShape<typeof WorkflowSchema> = {
      key: "wev-skip",
      categories: ["wskip.*"],
      steps: [condition, deliver],
    };
    await workflows.upsertWorkflow({ workflow: create(WorkflowSchema, workflow) });
    const hook = await registered(["workflow.step_skipped"], ["wskip"]);
    const abort = new AbortController();
    const stream = collect(
      serviceClient(EventService, herald.url, adminKey).watchEvents(
        { types: [EventType.WORKFLOW_STEP_SKIPPED] },
        { signal: abort.signal },
      ),
    );
    await stream.atLeast(1);
    const id = await send("wskip-u1", "wskip.new");
    const [received] = await hook.receiver.waitFor(1, 15_000);
    expect(body(received as ReceivedWebhook)).toMatchObject({
      type: "workflow.step_skipped",
      data: {
        type: "EVENT_TYPE_WORKFLOW_STEP_SKIPPED",
        notificationId: id,
        changed: {
          detail: { workflowKey: "wev-skip", step: 1, stepKind: "deliver", reason: "condition at step 0 was false" },
        },
      },
    });
    await waitFor(() => stream.items.some((r) => r.kind.case === "event"), 10_000, "a step_skipped on WatchEvents");
    const event = stream.items.find((r) => r.kind.case === "event")?.kind.value;
    expect(event).toMatchObject({ type: EventType.WORKFLOW_STEP_SKIPPED, notificationId: id });
    abort.abort();
  });

  it("keep an event's webhook going when its notification is retracted", async () => {
    const hook = await registered(["notification.read", "notification.retracted"], ["wretract"]);
    const id = await send("wretract-u1", "wretract");
    const user = connectClient(herald.url, await herald.userToken("wretract-u1"));
    await waitFor(async () => (await user.list({})).notifications.some((n) => n.id === id), 10_000, "in the inbox");
    // The read's webhook fails three times (retried after 200, 400, 800 ms): retract meanwhile.
    hook.receiver.respond({ status: 503 }, 3);
    await user.markRead({ notificationIds: [id] });
    await waitFor(() => hook.receiver.requests >= 1, 10_000, "the first attempt");
    await admin.retractNotification({ id });
    await waitFor(
      () => hook.receiver.deliveries.filter((w) => w.status === 200).length === 2,
      15_000,
      "the read (after its retries) and the retraction",
    );
    const ok = hook.receiver.deliveries.filter((w) => w.status === 200).map((w) => body(w).type);
    expect(ok.sort()).toEqual(["notification.read", "notification.retracted"]);
  });

  it("post a change of all notifications to every subscribed endpoint, whatever its categories", async () => {
    const narrow = await registered(["notification.read"], ["wall-elsewhere"]);
    const wide = await registered(["notification.read"], []);
    await send("wall-u1", "wall.a");
    const newest = await send("wall-u1", "wall.b");
    const user = connectClient(herald.url, await herald.userToken("wall-u1"));
    await waitFor(async () => (await user.list({})).notifications.length === 2, 10_000, "both in the inbox");
    await user.markRead({ all: true });
    for (const { receiver } of [narrow, wide]) {
      const [read] = await receiver.waitFor(1, 15_000);
      expect(body(read as ReceivedWebhook)).toMatchObject({
        type: "notification.read",
        data: { userId: "wall-u1", changed: { all: true } },
      });
    }
    await relayCaughtUp();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(narrow.receiver.deliveries).toHaveLength(1);
    // It hangs on the user's newest notification, listed with its deliveries.
    const rows = await herald.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM deliveries
       WHERE notification_id = $1 AND channel = 'webhook' AND event_seq > 0 AND target = ANY($2::text[])`,
      [newest, [narrow.endpointId, wide.endpointId]],
    );
    expect(Number(rows[0]?.n)).toBe(2);
  });

  it("keep an event's webhook waiting for a retry when its notification expires", async () => {
    const hook = await registered(["notification.read"], ["wexpire"]);
    const { notifications } = await admin.send({
      userIds: ["wexpire-u1"],
      category: "wexpire",
      title: "t",
      body: "b",
      ttl: { seconds: 4n, nanos: 0 },
    });
    const id = notifications[0]?.id as string;
    const user = connectClient(herald.url, await herald.userToken("wexpire-u1"));
    await waitFor(async () => (await user.list({})).notifications.some((n) => n.id === id), 10_000, "in the inbox");
    // The first attempt is told to come back in 8 s: the notification expires meanwhile.
    hook.receiver.respond({ status: 503, retryAfter: "8" }, 1);
    await user.markRead({ notificationIds: [id] });
    await waitFor(() => hook.receiver.requests >= 1, 10_000, "the first attempt");
    await waitFor(
      async () => {
        const [row] = await herald.db.query<{ expired: boolean }>(
          "SELECT expired_at IS NOT NULL AS expired FROM notifications WHERE id = $1",
          [id],
        );
        return row?.expired === true;
      },
      20_000,
      "the expiry sweep",
    );
    await waitFor(
      () => hook.receiver.deliveries.some((w) => w.status === 200),
      30_000,
      "the read's webhook after its retry",
    );
    expect(body(hook.receiver.deliveries.find((w) => w.status === 200) as ReceivedWebhook).type).toBe(
      "notification.read",
    );
  });

  it("ReplayWebhookEvents posts an event's webhook again under the same webhook-id and body", async () => {
    const hook = await registered(["notification.read"], ["wreplay"]);
    const since = new Date(Date.now() - 1000);
    const id = await send("wreplay-u1", "wreplay");
    const user = connectClient(herald.url, await herald.userToken("wreplay-u1"));
    await waitFor(async () => (await user.list({})).notifications.some((n) => n.id === id), 10_000, "in the inbox");
    await user.markRead({ notificationIds: [id] });
    const [first] = await hook.receiver.waitFor(1, 15_000);
    await waitFor(async () => {
      const { attempts } = await webhooks.listWebhookAttempts({ endpointId: hook.endpointId });
      return attempts.length === 1;
    }, 10_000);
    const { queuedCount } = await webhooks.replayWebhookEvents({
      endpointId: hook.endpointId,
      since: timestampFromDate(since),
      includeDelivered: true,
    });
    expect(queuedCount).toBe(1);
    const [, again] = await hook.receiver.waitFor(2, 15_000);
    expect(again?.id).toBe(first?.id);
    expect(again?.rawBody).toBe(first?.rawBody);
  });
});

describe("the webhook event relay across processes", () => {
  it("resumes after a restart and shares the log between processes, without losing or repeating", async () => {
    // A process whose relay runs once at its start, then not for ten minutes:
    // what happens meanwhile waits in the log, as it would for a stopped relay.
    const first = await startHerald({
      env: { WEBHOOK_EVENTS_INTERVAL_MS: "600000", METRICS_REFRESH_INTERVAL_MS: "100" },
    });
    const lag = async () => {
      const text = await (await fetch(`http://127.0.0.1:${first.app.metricsPort}/metrics`)).text();
      return Number(/^herald_webhook_event_relay_lag (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    };
    const fast = { EVENT_SEQUENCER_INTERVAL_MS: "20", WEBHOOK_EVENTS_INTERVAL_MS: "20" };
    const others: TestHerald[] = [];
    const another = async () => {
      const h = await startHerald({ db: first.db, natsPrefix: first.config.nats.prefix, env: fast });
      others.push(h);
      return h;
    };
    try {
      const key = await first.apiKey(["admin", "send"]);
      const client = connectClient(first.url, key);
      const hook = await registered(
        ["notification.read", "notification.archived"],
        [],
        serviceClient(WebhookService, first.url, key),
      );
      const user = connectClient(first.url, await first.userToken("wrestart-u1"));
      const activity = async () => {
        const id = await send("wrestart-u1", "wrestart", client);
        await waitFor(async () => (await user.list({})).notifications.some((n) => n.id === id), 10_000, "inboxed");
        await user.markRead({ notificationIds: [id] });
        await user.markRead({ notificationIds: [id], change: ChangeKind.ARCHIVED });
        return id;
      };
      const ids = [await activity(), await activity()];
      await waitFor(async () => {
        const [row] = await first.db.query<{ seq: string }>("SELECT seq FROM event_log_head");
        return Number(row?.seq) >= 8;
      }, 10_000);
      expect(hook.receiver.requests).toBe(0);
      await waitFor(async () => (await lag()) >= 8, 10_000, "the relay's lag on /metrics");

      // A relay round that dies before its commit writes nothing and leaves the cursor.
      const [before] = await first.db.query<{ seq: string }>("SELECT seq FROM webhook_event_cursor");
      const crashed = first.app.db.transaction(async (tx) => {
        const cursor = (await webhookEventRelayStore.claim(tx)) as number;
        const page = await webhookEventRelayStore.page(tx, cursor, 100);
        expect(page.matches.length).toBeGreaterThanOrEqual(4);
        await webhookEventRelayStore.write(
          tx,
          page.matches.map((m) => ({
            id: randomUUID(),
            tenantId: m.event.tenantId,
            notificationId: m.notificationId,
            endpointId: m.endpointId,
            eventSeq: m.event.seq,
            lane: "bulk",
            payload: {},
          })),
          page.through,
        );
        throw new Error("killed");
      });
      await expect(crashed).rejects.toThrow("killed");
      expect(await first.db.query("SELECT seq FROM webhook_event_cursor")).toEqual([before]);
      expect(await first.db.query("SELECT id FROM deliveries WHERE event_seq <> 0")).toEqual([]);

      // Another process takes over from the cursor.
      const second = await another();
      await hook.receiver.waitFor(4, 15_000);
      // Two relaying at once, then both gone and a new one started.
      const third = await another();
      ids.push(await activity(), await activity());
      await relayCaughtUp(first.db);
      await second.close();
      await third.close();
      ids.push(await activity());
      await another();
      ids.push(await activity());
      await relayCaughtUp(first.db);
      await waitFor(async () => (await lag()) === 0, 10_000, "no lag once caught up");
      await hook.receiver.waitFor(ids.length * 2, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const got = hook.receiver.deliveries.map((w) => `${body(w).data.notificationId} ${body(w).type}`).sort();
      const want = ids.flatMap((id) => [`${id} notification.archived`, `${id} notification.read`]).sort();
      expect(got).toEqual(want);
      expect(new Set(hook.receiver.deliveries.map((w) => w.id)).size).toBe(want.length);
    } finally {
      for (const h of others) await h.close().catch(() => undefined);
      await first.close();
    }
  }, 120_000);
});
