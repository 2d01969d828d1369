import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, type FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { SendStreamRequestSchema, type SubscribeResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, rejection, waitFor } from "../helpers/wait.js";

// Two tenants with the same user ids: "alice" of A and "alice" of B are two
// people. Every RPC of NotificationService's sending, inbox and delivery side
// is called by B (API key and user token) on A's data, and must answer as it
// would for an unknown id, and leave A's rows alone.
const A = "iso-a";
const B = "iso-b";
const unknownId = "0190a000-0000-7000-8000-000000000000";

let herald: TestHerald;
/** Each tenant's API key with every scope this service checks. */
let a: HeraldClient;
let b: HeraldClient;
/** B's key over gRPC (HTTP/2): SendStream is a bidirectional stream. */
let bStreaming: HeraldClient;
let aAlice: HeraldClient;
let bAlice: HeraldClient;

beforeAll(async () => {
  // One Send statement at a time: concurrent Sends share statements, of both tenants.
  herald = await startHerald({ env: { SEND_BATCHES_IN_FLIGHT: "1", RATE_LIMIT_API_KEY_PER_SECOND: "0" } });
  await herald.tenant(A);
  await herald.tenant(B);
  a = connectClient(herald.url, await herald.apiKey(["send", "read", "admin"], "a", A));
  const bKey = await herald.apiKey(["send", "read", "admin"], "b", B);
  b = connectClient(herald.url, bKey);
  bStreaming = connectClient(herald.url, bKey, "grpc");
  aAlice = connectClient(herald.url, await herald.userToken("alice", { tenant: A }));
  bAlice = connectClient(herald.url, await herald.userToken("alice", { tenant: B }));
});
afterAll(() => herald.close());

const inApp = (userId: string, title: string, extra: object = {}) => ({
  userIds: [userId],
  category: "iso",
  title,
  body: "b",
  channels: [Channel.IN_APP],
  ...extra,
});

async function codeOf(call: Promise<unknown>): Promise<Code> {
  return ConnectError.from(await rejection(call)).code;
}

function open(client: HeraldClient) {
  const abort = new AbortController();
  const stream = collect(client.subscribe({}, { signal: abort.signal }));
  const events = () => stream.items.map((r: SubscribeResponse) => r.event as FeedEvent);
  const titles = () =>
    events().flatMap((e) => (e.kind.case === "created" ? [e.kind.value.notification?.title ?? ""] : []));
  return { abort, stream, events, titles };
}

async function rowsOf(userId: string) {
  return herald.db.query<{ tenant_id: string; title: string; seq: number | null }>(
    "SELECT tenant_id, title, seq::int AS seq FROM notifications WHERE user_id = $1 ORDER BY tenant_id, seq",
    [userId],
  );
}

describe("Send, SendBatch, SendStream, List and Subscribe per tenant", () => {
  it("puts B's Sends to alice in B's alice's inbox and feed only, also on a stream of A's alice opened before", async () => {
    const aStream = open(aAlice);
    const bStream = open(bAlice);
    await aStream.stream.atLeast(1);
    await bStream.stream.atLeast(1);

    await a.send(inApp("alice", "a-1"));
    await b.send(inApp("alice", "b-send"));
    const batch = await b.sendBatch({ items: [inApp("alice", "b-batch")] });
    expect(batch.results[0]?.outcome.case).toBe("sent");
    const streamed: string[] = [];
    async function* items() {
      yield create(SendStreamRequestSchema, { ref: "r1", send: inApp("alice", "b-stream") });
    }
    for await (const r of bStreaming.sendStream(items())) streamed.push(r.result?.outcome.case ?? "");
    expect(streamed).toEqual(["sent"]);
    // A's next event is published after B's: had one of B's reached A's stream, it would be there first.
    await a.send(inApp("alice", "a-2"));

    await waitFor(() => bStream.titles().length === 3, 5000, "B's three created events");
    await waitFor(() => aStream.titles().length === 2, 5000, "A's two created events");
    expect(aStream.titles()).toEqual(["a-1", "a-2"]);
    expect(bStream.titles()).toEqual(["b-send", "b-batch", "b-stream"]);
    aStream.abort.abort();
    bStream.abort.abort();

    const aList = await aAlice.list({});
    expect(aList.notifications.map((n) => n.title)).toEqual(["a-2", "a-1"]);
    expect(aList.unreadCount).toBe(2);
    const bList = await bAlice.list({});
    expect(bList.notifications.map((n) => n.title)).toEqual(["b-stream", "b-batch", "b-send"]);
    expect(bList.unreadCount).toBe(3);
    // An API key lists its own tenant's alice.
    expect((await b.list({ userId: "alice" })).notifications.map((n) => n.title)).not.toContain("a-1");

    // Each tenant's alice has her own feed, numbered from 1.
    expect(await rowsOf("alice")).toEqual([
      { tenant_id: A, title: "a-1", seq: 1 },
      { tenant_id: A, title: "a-2", seq: 2 },
      { tenant_id: B, title: "b-send", seq: 1 },
      { tenant_id: B, title: "b-batch", seq: 2 },
      { tenant_id: B, title: "b-stream", seq: 3 },
    ]);
    const feeds = await herald.db.query(
      "SELECT tenant_id, seq::int, unread_count FROM user_feeds WHERE user_id = 'alice' ORDER BY tenant_id",
    );
    expect(feeds).toEqual([
      { tenant_id: A, seq: 2, unread_count: 2 },
      { tenant_id: B, seq: 3, unread_count: 3 },
    ]);
    const events = await herald.db.query<{ tenant_id: string; n: number }>(
      `SELECT e.tenant_id, count(*)::int AS n FROM feed_events e JOIN notifications n ON n.id = e.notification_ids[1]
       WHERE e.user_id = 'alice' AND n.tenant_id = e.tenant_id GROUP BY e.tenant_id ORDER BY e.tenant_id`,
    );
    expect(events).toEqual([
      { tenant_id: A, n: 2 },
      { tenant_id: B, n: 3 },
    ]);
    const mismatched = await herald.db.query(
      "SELECT d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.tenant_id <> n.tenant_id",
    );
    expect(mismatched).toEqual([]);
  });

  it("answers an idempotency key B reuses with B's own new Send, not A's", async () => {
    const first = await a.send(inApp("idem-user", "a-keyed", { idempotencyKey: "iso-key" }));
    const second = await b.send(inApp("idem-user", "b-keyed", { idempotencyKey: "iso-key" }));
    expect(second.notifications[0]?.id).not.toBe(first.notifications[0]?.id);
    expect(second.notifications[0]?.title).toBe("b-keyed");
    expect((await rowsOf("idem-user")).map((r) => [r.tenant_id, r.title])).toEqual([
      [A, "a-keyed"],
      [B, "b-keyed"],
    ]);
  });

  it("writes concurrent Sends of A and B to one user id in shared statements, each row in its own tenant", async () => {
    const metrics = async () => {
      const text = await (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith("herald_send_batch_size_count "));
      return Number(line?.split(" ").at(-1));
    };
    const before = await metrics();
    const sends = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? a : b).send(inApp("shared", `${i % 2 === 0 ? "A" : "B"}-${i}`)),
    );
    const results = await Promise.all(sends);
    expect(results.every((r) => r.notifications.length === 1)).toBe(true);
    expect((await metrics()) - before).toBeLessThan(40); // some statements carried Sends of both tenants
    const aTitles = (await a.list({ userId: "shared", pageSize: 100 })).notifications.map((n) => n.title);
    const bTitles = (await b.list({ userId: "shared", pageSize: 100 })).notifications.map((n) => n.title);
    expect(aTitles.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `A-${i * 2}`).sort());
    expect(bTitles.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `B-${i * 2 + 1}`).sort());
    const rows = await rowsOf("shared");
    expect(rows.every((r) => r.title.startsWith(r.tenant_id === A ? "A-" : "B-"))).toBe(true);
    // Each tenant's feed of "shared" is numbered 1..20 without holes.
    const seqs = (t: string) => rows.filter((r) => r.tenant_id === t).map((r) => Number(r.seq));
    expect(seqs(A)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(seqs(B)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("releases B's scheduled in-app notification into B's alice's inbox only (the worker reads the tenant from the row)", async () => {
    const sendAt = timestampFromDate(new Date(Date.now() + 1500));
    const [sent] = (await b.send(inApp("sched", "b-later", { sendAt }))).notifications;
    const bSched = connectClient(herald.url, await herald.userToken("sched", { tenant: B }));
    const aSched = connectClient(herald.url, await herald.userToken("sched", { tenant: A }));
    await waitFor(
      async () => (await bSched.list({})).notifications.some((n) => n.id === sent?.id),
      15_000,
      "B's scheduled notification in B's inbox",
    );
    expect((await aSched.list({})).notifications).toEqual([]);
    const heads = await herald.db.query("SELECT tenant_id, seq::int FROM user_feeds WHERE user_id = 'sched'");
    expect(heads).toEqual([{ tenant_id: B, seq: 1 }]);
  });
});

describe("GetNotification, MarkRead, Cancel, RetryDelivery and ListDeliveries across tenants", () => {
  it("answers B on A's notification ids exactly as on unknown ids, and leaves A's rows alone", async () => {
    const [now] = (await a.send(inApp("alice", "a-target"))).notifications;
    const [later] = (
      await a.send(inApp("alice", "a-later", { sendAt: timestampFromDate(new Date(Date.now() + 3_600_000)) }))
    ).notifications;
    const id = now?.id as string;
    const laterId = later?.id as string;
    const aUnread = (await aAlice.list({})).unreadCount;

    // GetNotification: NOT_FOUND, as for an id that does not exist.
    expect(await codeOf(b.getNotification({ id: unknownId }))).toBe(Code.NotFound);
    expect(await codeOf(b.getNotification({ id }))).toBe(Code.NotFound);
    expect(await codeOf(bAlice.getNotification({ id }))).toBe(Code.NotFound);
    expect((await aAlice.getNotification({ id })).notification?.title).toBe("a-target");

    // MarkRead by ids, of every kind, and `all`: nothing of A's changes.
    const bUnread = (await bAlice.list({})).unreadCount;
    for (const change of [ChangeKind.READ, ChangeKind.ARCHIVED]) {
      expect(await bAlice.markRead({ notificationIds: [id], change })).toMatchObject({
        changedCount: 0,
        unreadCount: bUnread,
      });
      expect(await b.markRead({ userId: "alice", notificationIds: [id], change })).toMatchObject({ changedCount: 0 });
    }
    await bAlice.markRead({ all: true });
    await b.markRead({ userId: "alice", all: true, change: ChangeKind.ARCHIVED });
    const aAfter = await aAlice.list({});
    expect(aAfter.unreadCount).toBe(aUnread);
    expect(aAfter.notifications.find((n) => n.id === id)?.readTime).toBeUndefined();
    // Unread and unarchive of A's read, archived notification do nothing either.
    await aAlice.markRead({ notificationIds: [id], change: ChangeKind.READ });
    await aAlice.markRead({ notificationIds: [id], change: ChangeKind.ARCHIVED });
    for (const change of [ChangeKind.UNREAD, ChangeKind.UNARCHIVED]) {
      expect(await bAlice.markRead({ notificationIds: [id], change })).toMatchObject({ changedCount: 0 });
      expect(await b.markRead({ userId: "alice", notificationIds: [id], change })).toMatchObject({ changedCount: 0 });
    }
    const [state] = await herald.db.query<{ read: boolean; archived: boolean; tenant_id: string }>(
      "SELECT read_at IS NOT NULL AS read, archived_at IS NOT NULL AS archived, tenant_id FROM notifications WHERE id = $1",
      [id],
    );
    expect(state).toEqual({ read: true, archived: true, tenant_id: A });

    // Cancel: NOT_FOUND, and A's scheduled delivery and its outbox row stay.
    expect(await codeOf(b.cancel({ id: unknownId }))).toBe(Code.NotFound);
    expect(await codeOf(b.cancel({ id: laterId }))).toBe(Code.NotFound);
    const scheduled = await herald.db.query<{ status: string; tenant_id: string; queued: boolean }>(
      `SELECT d.status, d.tenant_id, EXISTS (SELECT 1 FROM outbox o WHERE o.delivery_id = d.id) AS queued
       FROM deliveries d WHERE d.notification_id = $1`,
      [laterId],
    );
    expect(scheduled).toEqual([{ status: "scheduled", tenant_id: A, queued: true }]);

    // RetryDelivery and ListDeliveries: A's dead delivery is unknown to B.
    const [delivery] = await herald.db.query<{ id: string }>(
      "UPDATE deliveries SET status = 'dead' WHERE notification_id = $1 RETURNING id",
      [id],
    );
    const deliveryId = delivery?.id as string;
    expect(await codeOf(b.retryDelivery({ deliveryId: unknownId }))).toBe(Code.NotFound);
    expect(await codeOf(b.retryDelivery({ deliveryId }))).toBe(Code.NotFound);
    const [still] = await herald.db.query("SELECT status FROM deliveries WHERE id = $1", [deliveryId]);
    expect(still).toEqual({ status: "dead" });
    const bDead = await b.listDeliveries({ status: DeliveryStatus.DEAD, pageSize: 100 });
    expect(bDead.deliveries.map((d) => d.id)).not.toContain(deliveryId);
    const aDead = await a.listDeliveries({ status: DeliveryStatus.DEAD, pageSize: 100 });
    expect(aDead.deliveries.map((d) => d.id)).toContain(deliveryId);

    // A still steers its own: cancel and retry work for A's key.
    expect((await a.cancel({ id: laterId })).canceledCount).toBe(1);
    expect((await a.retryDelivery({ deliveryId })).delivery?.id).toBe(deliveryId);
  });

  it("answers B's InteractNotification on A's notification as on an unknown id, and records nothing", async () => {
    const actions = [{ id: "ack", label: "OK" }];
    const [sent] = (await a.send(inApp("alice", "a-action", { actions }))).notifications;
    const id = sent?.id as string;
    for (const call of [
      () => bAlice.interactNotification({ id, actionId: "ack" }),
      () => b.interactNotification({ userId: "alice", id, actionId: "ack" }),
      () => b.interactNotification({ userId: "alice", id: unknownId, actionId: "ack" }),
    ]) {
      expect(await codeOf(call())).toBe(Code.NotFound);
    }
    const mine = (await aAlice.list({})).notifications.find((n) => n.id === id);
    expect([mine?.interaction, mine?.readTime]).toEqual([undefined, undefined]);
    expect(await herald.db.query("SELECT 1 FROM feed_events WHERE kind = 'interacted'")).toEqual([]);
  });
});
