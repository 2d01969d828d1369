import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, type FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import type { SubscribeResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { countedUnreadSql, countedUnseenSql } from "../../src/store/inbox-condition.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

// Snooze and expiry through the public API, on the real clock with short
// times; every wait is bounded and polls (no fixed sleeps decide a result).

let herald: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  herald = await startHerald({ env: { INBOX_TIMERS_INTERVAL_MS: "100" } });
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
});
afterAll(() => herald.close());

function open(client: HeraldClient) {
  const abort = new AbortController();
  const stream = collect(client.subscribe({}, { signal: abort.signal }));
  const events = () => stream.items.map((r: SubscribeResponse) => r.event as FeedEvent);
  return { abort, stream, events };
}

async function send(userId: string, title: string, extra: Record<string, unknown> = {}) {
  const res = await sender.send({ userIds: [userId], category: "feed", title, body: "b", ...extra });
  return res.notifications[0]?.id as string;
}

const seconds = (s: number) => timestampFromDate(new Date(Date.now() + s * 1000));

/** The feed's counts equal a recount from the rows (the counting rule). */
async function expectCountsExact(userId: string) {
  const [row] = await herald.db.query<{
    unread: number;
    unseen: number;
    recount_unread: number;
    recount_unseen: number;
  }>(
    `SELECT f.unread_count AS unread, f.unseen_count AS unseen,
       (SELECT count(*)::int FROM notifications WHERE tenant_id = f.tenant_id AND user_id = f.user_id AND ${countedUnreadSql()}) AS recount_unread,
       (SELECT count(*)::int FROM notifications WHERE tenant_id = f.tenant_id AND user_id = f.user_id AND ${countedUnseenSql()}) AS recount_unseen
     FROM user_feeds f WHERE f.user_id = $1`,
    [userId],
  );
  expect(row?.unread).toBe(row?.recount_unread);
  expect(row?.unseen).toBe(row?.recount_unseen);
}

describe("snooze", () => {
  it("takes a notification out of the inbox and brings it back once, at the top, with a live event", async () => {
    const user = connectClient(herald.url, await herald.userToken("snoozer"));
    const first = await send("snoozer", "first");
    await send("snoozer", "second");
    const s = open(user);
    await s.stream.atLeast(1);
    const snoozed = await user.snoozeNotifications({ notificationIds: [first], snoozeUntil: seconds(1.5) });
    expect(snoozed).toMatchObject({ changedCount: 1, unreadCount: 1 });
    const inbox = await user.list({});
    expect(inbox.notifications.map((n) => n.title)).toEqual(["second"]);
    expect(inbox.unreadCount).toBe(1);
    const asleep = await user.list({ snoozed: true });
    expect(asleep.notifications.map((n) => n.title)).toEqual(["first"]);
    expect(asleep.notifications[0]?.snoozeUntil).toBeDefined();
    await expectCountsExact("snoozer");

    await waitFor(() => s.events().some((e) => e.kind.case === "returned"), 15_000, "the returned event");
    const changed = s.events().filter((e) => e.kind.case === "changed");
    expect(changed.map((e) => e.kind.case === "changed" && e.kind.value.kind)).toEqual([ChangeKind.SNOOZED]);
    const returned = s.events().filter((e) => e.kind.case === "returned");
    expect(returned).toHaveLength(1);
    const back = returned[0] as FeedEvent;
    expect(back.kind.case === "returned" && back.kind.value.notification?.id).toBe(first);
    expect(back.unreadCount).toBe(2);
    const after = await user.list({});
    expect(after.notifications.map((n) => n.title)).toEqual(["first", "second"]);
    expect(after.notifications[0]?.snoozeUntil).toBeUndefined();
    expect(after.unreadCount).toBe(2);
    expect((await user.list({ snoozed: true })).notifications).toEqual([]);
    await expectCountsExact("snoozer");
    // Exactly once in the log, however many rounds ran since.
    const [{ n }] = (await herald.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM feed_events WHERE kind = 'returned' AND $1::uuid = ANY(notification_ids)",
      [first],
    )) as [{ n: number }];
    expect(n).toBe(1);
    s.abort.abort();

    // A stream resuming from before the snooze replays both from the log, the notification included.
    const replay = collect(user.subscribe({ cursor: "2" }, { signal: AbortSignal.timeout(10_000) }));
    await waitFor(() => replay.items.some((r) => r.event?.kind.case === "synced"), 10_000, "the replay");
    const replayed = replay.items
      .slice(
        0,
        replay.items.findIndex((r) => r.event?.kind.case === "synced"),
      )
      .map((r) => r.event as FeedEvent)
      .filter((e) => e.kind.case === "changed" || e.kind.case === "returned");
    expect(replayed.map((e) => e.kind.case)).toEqual(["changed", "returned"]);
    const again = replayed[1] as FeedEvent;
    expect(again.kind.case === "returned" && again.kind.value.notification?.title).toBe("first");
    expect(again.cursor).toBe(back.cursor);
  });

  it("unsnooze brings it back at once at its old place, with CHANGE_KIND_UNSNOOZED", async () => {
    const user = connectClient(herald.url, await herald.userToken("waker"));
    const a = await send("waker", "a");
    await send("waker", "b");
    await user.snoozeNotifications({ notificationIds: [a], snoozeUntil: seconds(3600) });
    const s = open(user);
    await s.stream.atLeast(1);
    const res = await user.unsnoozeNotifications({ notificationIds: [a] });
    expect(res).toMatchObject({ changedCount: 1, unreadCount: 2 });
    await waitFor(() => s.events().some((e) => e.kind.case === "changed"), 10_000, "the unsnoozed event");
    const [event] = s.events().filter((e) => e.kind.case === "changed");
    expect(event?.kind.case === "changed" && event.kind.value).toMatchObject({
      kind: ChangeKind.UNSNOOZED,
      notificationIds: [a],
    });
    expect((await user.list({})).notifications.map((n) => n.title)).toEqual(["b", "a"]);
    // A second unsnooze changes nothing.
    expect((await user.unsnoozeNotifications({ notificationIds: [a] })).changedCount).toBe(0);
    await expectCountsExact("waker");
    s.abort.abort();
  });

  it("leaves archived notifications alone", async () => {
    const user = connectClient(herald.url, await herald.userToken("archivist"));
    const a = await send("archivist", "a");
    await user.markRead({ notificationIds: [a], change: ChangeKind.ARCHIVED });
    const res = await user.snoozeNotifications({ notificationIds: [a], snoozeUntil: seconds(60) });
    expect(res.changedCount).toBe(0);
    expect((await user.list({ archived: true })).notifications.map((n) => n.id)).toEqual([a]);
  });
});

describe("counts under concurrent changes", () => {
  it("stay exact while snoozes, unsnoozes, reads, archives, returns and expiries race", async () => {
    const userId = "racer";
    const user = connectClient(herald.url, await herald.userToken(userId));
    const ids: string[] = [];
    for (let i = 0; i < 24; i++)
      ids.push(await send(userId, `r${i}`, i % 4 === 0 ? { ttl: { seconds: 1n, nanos: 0 } } : {}));
    const pick = (i: number) => [ids[i % ids.length] as string, ids[(i * 7 + 3) % ids.length] as string];
    const ops = Array.from({ length: 40 }, (_, i) => {
      const notificationIds = pick(i);
      switch (i % 5) {
        case 0:
          return () => user.snoozeNotifications({ notificationIds, snoozeUntil: seconds(0.5 + (i % 3) * 0.3) });
        case 1:
          return () => user.unsnoozeNotifications({ notificationIds });
        case 2:
          return () => user.markRead({ notificationIds });
        case 3:
          return () =>
            user.markRead({ notificationIds, change: i % 2 === 0 ? ChangeKind.ARCHIVED : ChangeKind.UNREAD });
        default:
          return () => user.markRead({ all: true });
      }
    });
    // Eight at a time, against the sweeps running every 100 ms.
    for (let i = 0; i < ops.length; i += 8) await Promise.all(ops.slice(i, i + 8).map((op) => op()));
    await waitFor(
      async () => {
        const [row] = await herald.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND (snooze_until IS NOT NULL OR (expire_at IS NOT NULL AND expired_at IS NULL))",
          [userId],
        );
        return row?.n === 0;
      },
      20_000,
      "every snooze returned and every expiry swept",
    );
    await expectCountsExact(userId);
    expect((await user.list({ pageSize: 100 })).notifications.length).toBeGreaterThan(0);
  });
});

describe("expiry", () => {
  it("removes an expired notification from List and the counts, with a live CHANGE_KIND_EXPIRED", async () => {
    const user = connectClient(herald.url, await herald.userToken("expiring"));
    await send("expiring", "stays");
    const s = open(user);
    await s.stream.atLeast(1);
    const gone = await send("expiring", "goes", { ttl: { seconds: 1n, nanos: 0 } });
    expect((await user.list({})).unreadCount).toBe(2);
    await waitFor(
      () => s.events().some((e) => e.kind.case === "changed" && e.kind.value.kind === ChangeKind.EXPIRED),
      15_000,
      "the expired event",
    );
    const expired = s.events().find((e) => e.kind.case === "changed") as FeedEvent;
    expect(expired.kind.case === "changed" && expired.kind.value.notificationIds).toEqual([gone]);
    expect(expired.unreadCount).toBe(1);
    const page = await user.list({});
    expect(page.notifications.map((n) => n.title)).toEqual(["stays"]);
    expect(page.unreadCount).toBe(1);
    await expectCountsExact("expiring");
    s.abort.abort();
  });

  it("shows expire_time on the notification", async () => {
    const at = new Date(Date.now() + 3_600_000);
    at.setMilliseconds(0);
    const res = await sender.send({
      userIds: ["dated"],
      category: "feed",
      title: "t",
      body: "b",
      expireAt: timestampFromDate(at),
    });
    expect(res.notifications[0]?.expireTime?.seconds).toBe(BigInt(at.getTime() / 1000));
  });
});
