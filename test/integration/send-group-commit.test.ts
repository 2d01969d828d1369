import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent } from "../../src/domain/feed-event.js";
import type { Notification, Priority } from "../../src/domain/notification.js";
import { defaultTenant } from "../../src/domain/tenant.js";
import { channelStore } from "../../src/store/channel-store.js";
import { createSendBatcher, type SendBatcherOptions, type SendKey } from "../../src/store/send-batcher.js";
import { type SendWrite, sendStore } from "../../src/store/send-store.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

const store = useMigratedDatabase({ poolMax: 6 });
beforeAll(() => channelStore.register(store.db, ["in_app", "email"]));

/** An in-app Send to these users, placed in their inboxes now (what Send writes for CHANNEL_IN_APP). */
function inAppSend(userIds: string[], overrides: { priority?: string; title?: string } = {}): SendWrite {
  const now = new Date();
  const inbox: Notification[] = userIds.map((userId) => ({
    id: uuidv7(),
    tenantId: defaultTenant,
    userId,
    category: "gc",
    title: overrides.title ?? `to ${userId}`,
    body: "b",
    actionUrl: "",
    data: { first: userIds[0] }, // per Send, like everything but the recipient
    priority: (overrides.priority ?? "normal") as Priority,
    createdAt: now,
    sendAt: now,
    readAt: null,
    archivedAt: null,
    tags: [],
    actions: [],
    interaction: null,
    seenAt: null,
  }));
  return {
    tenantId: defaultTenant,
    inbox,
    others: [],
    deliveries: inbox.map((n) => ({
      id: uuidv7(),
      notificationId: n.id,
      channel: "in_app",
      target: "",
      status: "sent",
      dueAt: now,
      content: null,
      queue: false,
    })),
    senderKeyId: null,
    trace: {},
  };
}

/** A batcher on the test database that records the size of every statement it writes. */
function batcher(options: Partial<SendBatcherOptions> = {}) {
  const sizes: number[] = [];
  const b = createSendBatcher({
    db: store.db,
    maxSends: 64,
    maxRows: 2000,
    maxInFlight: 1,
    onBatch: (n) => sizes.push(n),
    ...options,
  });
  return {
    write: async (w: SendWrite) => (await b.write(w)).events,
    keyed: (w: SendWrite, key: string, hash = "same request") => b.write(w, sendKey(w, key, hash)),
    sizes,
  };
}

function sendKey(w: SendWrite, key: string, hash: string): SendKey {
  const notificationIds = [...w.inbox, ...w.others].map((n) => n.id);
  return { apiKeyId: "key-1", key, requestHash: Buffer.from(hash), notificationIds };
}

async function feedOf(userId: string) {
  const events = await store.db.rows<{ seq: number; unread_count: number; notification_id: string }>(
    "SELECT seq, unread_count, notification_ids[1] AS notification_id FROM feed_events WHERE user_id = $1 ORDER BY seq",
    [userId],
  );
  const [head] = await store.db.rows<{ seq: number; unread_count: number }>(
    "SELECT seq, unread_count FROM user_feeds WHERE user_id = $1",
    [userId],
  );
  return { events, head };
}

describe("group commit of Sends", () => {
  it("writes Sends that arrive while a statement is in flight together, each getting its own events", async () => {
    const b = batcher();
    const writes = Array.from({ length: 20 }, (_, i) => inAppSend([`together-${i}`, `together-${i}-b`]));
    const results = await Promise.all(writes.map(b.write));
    // The first finds the slot free and goes at once; the others queue behind it and share one statement.
    expect(b.sizes).toEqual([1, 19]);
    results.forEach((events, i) => {
      expect(events.map((e) => [e.userId, e.seq, e.unreadCount])).toEqual([
        [`together-${i}`, 1, 1],
        [`together-${i}-b`, 1, 1],
      ]);
      expect(events.map((e) => (e as Extract<FeedEvent, { kind: "created" }>).notification.id)).toEqual(
        writes[i]?.inbox.map((n) => n.id),
      );
    });
    const [{ count } = { count: 0 }] = await store.db.rows<{ count: number }>(
      "SELECT count(*)::int AS count FROM notifications n JOIN deliveries d ON d.notification_id = n.id WHERE n.user_id LIKE 'together-%' AND n.seq = 1 AND n.data->>'first' = regexp_replace(n.user_id, '-b$', '')",
    );
    expect(count).toBe(40);
  });

  it("fails only the bad Send of a batch, with the error it gets alone; the others are committed", async () => {
    const bad = () => inAppSend(["bad-user"], { priority: "urgent" }); // breaks notifications' CHECK on priority
    const alone = await sendStore.write(store.db, bad()).then(
      () => null,
      (error: unknown) => error as Error & { code?: string },
    );
    expect(alone?.code).toBe("23514");

    const b = batcher();
    const good = Array.from({ length: 10 }, (_, i) => inAppSend([`isolated-${i}`]));
    const outcomes = await Promise.allSettled([
      b.write(inAppSend(["isolated-first"])),
      ...good.slice(0, 5).map(b.write),
      b.write(bad()),
      ...good.slice(5).map(b.write),
    ]);
    // The bad Send was in a batch of 11, which failed and was written again one Send at a time.
    expect(b.sizes.slice(0, 2)).toEqual([1, 11]);
    expect(b.sizes.slice(2)).toEqual(Array(11).fill(1));
    const failed = outcomes[6] as PromiseRejectedResult;
    expect(failed.status).toBe("rejected");
    expect(failed.reason).toBeInstanceOf(alone?.constructor as new () => Error);
    expect(failed.reason).toMatchObject({ code: alone?.code, message: alone?.message });
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(11);
    for (let i = 0; i < 10; i++) {
      const { events, head } = await feedOf(`isolated-${i}`);
      // Seqs from the rolled-back batch statement were never seen: each feed starts at 1.
      expect(events.map((e) => [e.seq, e.notification_id])).toEqual([[1, good[i]?.inbox[0]?.id]]);
      expect(head).toEqual({ seq: 1, unread_count: 1 });
    }
    expect((await feedOf("bad-user")).head).toBeUndefined();
  });

  it("gives a user's Sends of one burst gap-free seqs and unread counts, never two in one statement", async () => {
    for (const maxInFlight of [1, 3]) {
      const user = `hot-${maxInFlight}`;
      const b = batcher({ maxInFlight });
      const writes = Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0 ? inAppSend([user]) : inAppSend([user, `cold-${maxInFlight}-${i}`]),
      );
      const results = await Promise.all(writes.map(b.write));
      const hot = results.map((events) => events.find((e) => e.userId === user) as FeedEvent);
      // Every Send reached the hot user once; together they numbered 1..12 with no gap or repeat,
      // and each event's unread count is the count after it (all unread).
      expect(hot.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      for (const e of hot) expect(e.unreadCount).toBe(e.seq);
      const { events, head } = await feedOf(user);
      expect(events.map((e) => [e.seq, e.unread_count])).toEqual(hot.map((_, i) => [i + 1, i + 1]));
      const bySeq = new Map(hot.map((e, i) => [e.seq, writes[i]?.inbox[0]?.id]));
      expect(events.map((e) => e.notification_id)).toEqual(events.map((e) => bySeq.get(e.seq)));
      expect(head).toEqual({ seq: 12, unread_count: 12 });
      // The hot user's Sends could not share statements: 12 statements, none of them shared.
      expect(b.sizes).toEqual(Array(12).fill(1));
    }
  });

  it("batches other users' Sends around a user's repeated ones, in order", async () => {
    const b = batcher();
    const writes = [
      inAppSend(["mix-a"]),
      inAppSend(["mix-b"]),
      inAppSend(["mix-b", "mix-c"]),
      inAppSend(["mix-d"]),
      inAppSend(["mix-c"]),
      inAppSend(["mix-e"]),
    ];
    const results = await Promise.all(writes.map(b.write));
    // [a] alone; then [b, d, e] (the second b and the c after it wait); then [b+c]; then [c].
    expect(b.sizes).toEqual([1, 3, 1, 1]);
    expect(results.map((events) => events.map((e) => `${e.userId}:${e.seq}`))).toEqual([
      ["mix-a:1"],
      ["mix-b:1"],
      ["mix-b:2", "mix-c:1"],
      ["mix-d:1"],
      ["mix-c:2"],
      ["mix-e:1"],
    ]);
  });

  it("writes a Send that fills a batch by itself at once, and caps batches by rows", async () => {
    const b = batcher({ maxRows: 8 });
    // 2 rows each (notification + delivery): at most 4 per statement.
    const small = Array.from({ length: 9 }, (_, i) => b.write(inAppSend([`rows-${i}`])));
    const big = b.write(inAppSend(["rows-big-1", "rows-big-2", "rows-big-3", "rows-big-4"]));
    await Promise.all([...small, big]);
    expect(b.sizes).toEqual([1, 1, 4, 4]);
  });

  it("refuses, as one statement, two notifications for one user's inbox rather than number them wrongly", async () => {
    await expect(sendStore.writeMany(store.db, [inAppSend(["twice"]), inAppSend(["twice"])])).rejects.toThrow();
    expect((await feedOf("twice")).head).toBeUndefined();
  });

  it("claims a batch's idempotency keys together, answering a key used again within or across batches with the first Send", async () => {
    const b = batcher();
    const first = inAppSend(["keyed-a"]);
    const outcomes = await Promise.all([
      b.keyed(inAppSend(["keyed-first"]), "k-0"),
      b.keyed(first, "k-1"),
      b.keyed(inAppSend(["keyed-a"]), "k-1"), // a retry of the same request, in the same burst
      b.write(inAppSend(["keyed-b"])),
      b.keyed(inAppSend(["keyed-c"]), "k-2"),
      b.keyed(inAppSend(["keyed-d"]), "k-1", "a different request"),
    ]);
    // [k-0] alone; [k-1, b, k-2] in one transaction; the two later uses of k-1 one batch each.
    expect(b.sizes).toEqual([1, 3, 1, 1]);
    const [, won, retry, , other, different] = outcomes as Array<Awaited<ReturnType<typeof b.keyed>>>;
    expect(won).toMatchObject({ replayOf: null, events: [{ userId: "keyed-a", seq: 1 }] });
    expect(other).toMatchObject({ replayOf: null, events: [{ userId: "keyed-c", seq: 1 }] });
    expect(retry).toMatchObject({ events: [], replayOf: { notificationIds: [first.inbox[0]?.id] } });
    expect(retry?.replayOf?.requestHash.toString()).toBe("same request");
    // The caller tells a different request by the hash the key was first claimed with.
    expect(different?.replayOf?.requestHash.toString()).toBe("same request");
    const again = await b.keyed(inAppSend(["keyed-a"]), "k-1");
    expect(again.replayOf?.notificationIds).toEqual([first.inbox[0]?.id]);
    expect((await feedOf("keyed-a")).head).toEqual({ seq: 1, unread_count: 1 });
    expect((await feedOf("keyed-d")).head).toBeUndefined();
  });

  it("fails only the bad keyed Send of a batch, and leaves its key free for a retry", async () => {
    const b = batcher();
    const outcomes = await Promise.allSettled([
      b.write(inAppSend(["kbad-first"])),
      b.keyed(inAppSend(["kbad-1"]), "kbad-1"),
      b.keyed(inAppSend(["kbad-2"], { priority: "urgent" }), "kbad-2"),
      b.write(inAppSend(["kbad-3"])),
    ]);
    expect(b.sizes).toEqual([1, 3, 1, 1, 1]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: "23514" });
    const retried = await b.keyed(inAppSend(["kbad-2"]), "kbad-2");
    expect(retried).toMatchObject({ replayOf: null, events: [{ userId: "kbad-2", seq: 1 }] });
    const replay = await b.keyed(inAppSend(["kbad-1"]), "kbad-1");
    expect(replay.replayOf?.notificationIds).toHaveLength(1);
  });
});
