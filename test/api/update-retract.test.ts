import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, type FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import type { Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import type { SubscribeResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, uniquePrefix } from "../helpers/herald.js";
import { collect, rejection, waitFor } from "../helpers/wait.js";

let herald: TestHerald;
/** A second process on the same database and NATS: streams there hear changes made on the first. */
let other: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  const natsPrefix = uniquePrefix();
  herald = await startHerald({ natsPrefix });
  other = await startHerald({ db: herald.db, natsPrefix });
  sender = connectClient(herald.url, await herald.apiKey(["send", "read"]));
});
afterAll(async () => {
  await other.close();
  await herald.close();
});

function open(client: HeraldClient, cursor = "") {
  const abort = new AbortController();
  const stream = collect(client.subscribe({ cursor }, { signal: abort.signal }));
  const events = () =>
    stream.items.map((r: SubscribeResponse) => r.event as FeedEvent).filter((e) => e.kind.case !== "heartbeat");
  return { abort, stream, events };
}

/** The feed events a stream got, in a form easy to compare: [kind, title or change, ids, unread]. */
function summary(events: FeedEvent[]): unknown[][] {
  return events.flatMap((e): unknown[][] => {
    switch (e.kind.case) {
      case "created":
      case "updated":
        return [[e.kind.case, e.kind.value.notification?.title, e.kind.value.notification?.version, e.unreadCount]];
      case "changed":
        return [[ChangeKind[e.kind.value.kind], e.kind.value.notificationIds, e.unreadCount]];
      default:
        return [];
    }
  });
}

async function send(userId: string, title: string, extra: object = {}): Promise<Notification> {
  const res = await sender.send({ userIds: [userId], category: "thread", title, body: "b", ...extra });
  return res.notifications[0] as Notification;
}

async function codeOf(call: Promise<unknown>): Promise<ConnectError> {
  return ConnectError.from(await rejection(call));
}

/** The user's unread and unseen counts as stored, and as recounted from the rows. */
async function counts(userId: string) {
  const [row] = await herald.db.query<{ unread: number; unseen: number; unread_rows: number; unseen_rows: number }>(
    `SELECT f.unread_count AS unread, f.unseen_count AS unseen,
       (SELECT count(*)::int FROM notifications n WHERE n.tenant_id = f.tenant_id AND n.user_id = f.user_id
          AND n.seq IS NOT NULL AND n.archived_at IS NULL AND n.retracted_at IS NULL AND n.read_at IS NULL) AS unread_rows,
       (SELECT count(*)::int FROM notifications n WHERE n.tenant_id = f.tenant_id AND n.user_id = f.user_id
          AND n.seq IS NOT NULL AND n.archived_at IS NULL AND n.retracted_at IS NULL AND n.seen_at IS NULL
          AND n.read_at IS NULL) AS unseen_rows
     FROM user_feeds f WHERE f.user_id = $1`,
    [userId],
  );
  return row;
}

describe("UpdateNotification", () => {
  it("streams the new version live, on this process and another, and List shows it", async () => {
    const user = connectClient(herald.url, await herald.userToken("upd-live"));
    const here = open(user);
    const there = open(connectClient(other.url, await other.userToken("upd-live")));
    await Promise.all([here.stream.atLeast(1), there.stream.atLeast(1)]);
    const sent = await send("upd-live", "Draft", { actionUrl: "/a", data: { n: 1 } });
    expect(sent.version).toBe(1);
    const res = await sender.updateNotification({ id: sent.id, title: "Final", data: { n: 2 } });
    expect(res.changed).toBe(true);
    expect(res.notification).toMatchObject({ title: "Final", body: "b", actionUrl: "/a", data: { n: 2 }, version: 2 });
    expect(res.notification?.updateTime).toBeDefined();
    const expected = [
      ["created", "Draft", 1, 1],
      ["updated", "Final", 2, 1],
    ];
    await waitFor(() => here.events().length >= 3 && there.events().length >= 3, 5000, "updated on both streams");
    expect(summary(here.events())).toEqual(expected);
    expect(summary(there.events())).toEqual(expected);
    const updated = here.events().at(-1) as FeedEvent;
    expect(updated.kind.value).toMatchObject({ notification: { id: sent.id, data: { n: 2 }, actionUrl: "/a" } });
    const listed = await user.list({});
    expect(listed.notifications.map((n) => [n.id, n.title, n.version])).toEqual([[sent.id, "Final", 2]]);
    expect(listed.unreadCount).toBe(1);

    // The same content again changes nothing: same version, no event.
    const again = await sender.updateNotification({ id: sent.id, title: "Final" });
    expect(again).toMatchObject({ changed: false, notification: { version: 2 } });
    // Clearing the link and the data is a change.
    const cleared = await sender.updateNotification({ id: sent.id, actionUrl: "", data: {} });
    expect(cleared).toMatchObject({ changed: true, notification: { actionUrl: "", version: 3 } });
    expect(cleared.notification?.data).toBeUndefined();
    await waitFor(() => here.events().length >= 4, 5000, "the clearing update");
    expect(summary(here.events()).map((e) => e[0])).toEqual(["created", "updated", "updated"]);
    here.abort.abort();
    there.abort.abort();
  });

  it("replays an updated event after a resume cursor with the content as it is now", async () => {
    const user = connectClient(herald.url, await herald.userToken("upd-replay"));
    const sent = await send("upd-replay", "v1");
    const first = open(user);
    await first.stream.atLeast(1);
    const cursor = first.events()[0]?.cursor as string;
    first.abort.abort();
    await sender.updateNotification({ id: sent.id, title: "v2" });
    await sender.updateNotification({ id: sent.id, title: "v3" });
    const resumed = open(user, cursor);
    await resumed.stream.atLeast(3);
    expect(summary(resumed.events())).toEqual([
      ["updated", "v3", 3, 1],
      ["updated", "v3", 3, 1],
    ]);
    expect(resumed.events()[2]?.kind.case).toBe("synced");
    resumed.abort.abort();
  });

  it("refuses a retracted notification with FAILED_PRECONDITION", async () => {
    const sent = await send("upd-gone", "x");
    await sender.retractNotification({ id: sent.id });
    const error = await codeOf(sender.updateNotification({ id: sent.id, title: "y" }));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain("retracted");
  });

  it("names the field of bad content, with Send's limits", async () => {
    const sent = await send("upd-bad", "x");
    const cases: Array<[object, string]> = [
      [{ title: "" }, "title"],
      [{ title: "t".repeat(201) }, "title"],
      [{ body: "b".repeat(5001) }, "body"],
      [{ actionUrl: "//evil.example/x" }, "action_url"],
      [{ data: { big: "x".repeat(17 * 1024) } }, "data"],
      [{ actions: { actions: [1, 2, 3, 4].map((i) => ({ id: `a${i}`, label: "L" })) } }, "actions"],
      [
        {
          actions: {
            actions: [
              { id: "same", label: "A" },
              { id: "same", label: "B" },
            ],
          },
        },
        "actions",
      ],
      [{ actions: { actions: [{ id: "Bad id", label: "A" }] } }, "actions.actions[0].id"],
      [{ actions: { actions: [{ id: "go", label: "A", url: "javascript:alert(1)" }] } }, "actions.actions[0].url"],
      [
        { actions: { actions: [{ id: "big", label: "A", payload: { x: "y".repeat(3000) } }] } },
        "actions.actions[0].payload",
      ],
      [{}, "title"],
    ];
    for (const [patch, field] of cases) {
      const error = await codeOf(sender.updateNotification({ id: sent.id, ...patch }));
      expect([error.code, error.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining(field)]);
    }
    const badId = await codeOf(sender.updateNotification({ id: "nope", title: "t" }));
    expect([badId.code, badId.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("id")]);
  });

  it("replaces the action buttons, live and in List; an empty list removes them; an interaction stays", async () => {
    const userId = "upd-actions";
    const sent = await send(userId, "approve?", { actions: [{ id: "approve", label: "Approve" }] });
    const user = connectClient(herald.url, await herald.userToken(userId));
    await waitFor(async () => (await user.list({})).notifications.length === 1, 10_000, "in the inbox");
    await user.interactNotification({ id: sent.id, actionId: "approve" });
    const feed = open(user);
    await waitFor(() => feed.stream.items.length > 0, 10_000, "the stream open");
    const next = [
      { id: "undo", label: "Undo", payload: { step: 2 } },
      { id: "open", label: "Open", url: "https://example.com/x" },
    ];
    const { notification, changed } = await sender.updateNotification({ id: sent.id, actions: { actions: next } });
    expect(changed).toBe(true);
    expect(notification?.actions.map((a) => [a.id, a.label, a.url])).toEqual([
      ["undo", "Undo", ""],
      ["open", "Open", "https://example.com/x"],
    ]);
    const again = await sender.updateNotification({ id: sent.id, actions: { actions: next } });
    expect(again.changed).toBe(false);
    await waitFor(() => feed.events().some((e) => e.kind.case === "updated"), 10_000, "the updated event");
    const live = feed.events().find((e) => e.kind.case === "updated");
    expect(live?.kind.case === "updated" && live.kind.value.notification?.actions.map((a) => a.id)).toEqual([
      "undo",
      "open",
    ]);
    const [listed] = (await user.list({})).notifications;
    expect(listed?.actions.map((a) => a.id)).toEqual(["undo", "open"]);
    expect(listed?.actions[0]?.payload).toEqual({ step: 2 });
    expect(listed?.interaction?.actionId).toBe("approve");
    // A title alone leaves the buttons as they are; an empty list removes them.
    await sender.updateNotification({ id: sent.id, title: "approved" });
    expect((await user.list({})).notifications[0]?.actions).toHaveLength(2);
    await sender.updateNotification({ id: sent.id, actions: { actions: [] } });
    expect((await user.list({})).notifications[0]?.actions).toEqual([]);
    feed.abort.abort();
  });

  it("lets a key change only what it sent, unless it is an admin key; users not at all", async () => {
    const sent = await send("upd-owner", "x");
    const otherKey = connectClient(herald.url, await herald.apiKey(["send"], "other"));
    expect((await codeOf(otherKey.updateNotification({ id: sent.id, title: "y" }))).code).toBe(Code.NotFound);
    expect((await codeOf(otherKey.retractNotification({ id: sent.id }))).code).toBe(Code.NotFound);
    const admin = connectClient(herald.url, await herald.apiKey(["admin"], "admin"));
    expect((await admin.updateNotification({ id: sent.id, title: "by admin" })).notification?.title).toBe("by admin");
    const user = connectClient(herald.url, await herald.userToken("upd-owner"));
    expect((await codeOf(user.updateNotification({ id: sent.id, title: "z" }))).code).toBe(Code.PermissionDenied);
    expect((await codeOf(user.retractNotification({ id: sent.id }))).code).toBe(Code.PermissionDenied);
  });
});

describe("RetractNotification", () => {
  it("removes it from streams, List, counts and the user's GetNotification", async () => {
    const user = connectClient(herald.url, await herald.userToken("ret-live"));
    const s = open(user);
    await s.stream.atLeast(1);
    const unread = await send("ret-live", "unread");
    const read = await send("ret-live", "read");
    const kept = await send("ret-live", "kept");
    await user.markRead({ notificationIds: [read.id] });
    expect((await user.list({})).unreadCount).toBe(2);

    const res = await sender.retractNotification({ id: unread.id });
    expect(res.notificationIds).toEqual([unread.id]);
    await sender.retractNotification({ id: read.id });
    await waitFor(() => s.events().length >= 7, 5000, "both retractions");
    expect(summary(s.events()).slice(4)).toEqual([
      ["RETRACTED", [unread.id], 1],
      ["RETRACTED", [read.id], 1],
    ]);
    const listed = await user.list({});
    expect(listed.notifications.map((n) => n.id)).toEqual([kept.id]);
    expect(listed.unreadCount).toBe(1);
    expect(await counts("ret-live")).toMatchObject({ unread: 1, unread_rows: 1, unseen: 1, unseen_rows: 1 });
    expect((await codeOf(user.getNotification({ id: unread.id }))).code).toBe(Code.NotFound);
    // The sender still reads it.
    expect((await sender.getNotification({ id: unread.id })).notification?.id).toBe(unread.id);
    // MarkRead cannot bring it back into the counts.
    const mark = await user.markRead({ notificationIds: [unread.id], change: ChangeKind.UNREAD });
    expect(mark).toMatchObject({ changedCount: 0, unreadCount: 1 });
    const markAll = await user.markRead({ all: true, change: ChangeKind.ARCHIVED });
    expect(markAll.changedCount).toBe(1);
    // Again: nothing more happens.
    expect(await sender.retractNotification({ id: unread.id })).toMatchObject({
      notificationIds: [],
      canceledCount: 0,
    });
    s.abort.abort();
  });

  it("moves the unseen count for an unseen notification only, and the event carries it", async () => {
    const user = connectClient(herald.url, await herald.userToken("ret-unseen"));
    const seen = await send("ret-unseen", "seen");
    const unseen = await send("ret-unseen", "unseen");
    await user.markRead({ notificationIds: [seen.id], change: ChangeKind.SEEN });
    const s = open(user);
    await s.stream.atLeast(1);
    expect((await user.list({})).unseenCount).toBe(1);
    await sender.retractNotification({ id: seen.id });
    expect(await user.list({})).toMatchObject({ unseenCount: 1, unreadCount: 1 });
    await sender.retractNotification({ id: unseen.id });
    expect(await user.list({})).toMatchObject({ unseenCount: 0, unreadCount: 0 });
    await waitFor(() => s.events().length >= 3, 5000, "both retractions");
    expect(
      s
        .events()
        .slice(1)
        .map((e) => [e.unreadCount, e.unseenCount]),
    ).toEqual([
      [1, 1],
      [0, 0],
    ]);
    expect(await counts("ret-unseen")).toMatchObject({ unread: 0, unseen: 0, unread_rows: 0, unseen_rows: 0 });
    s.abort.abort();
  });

  it("retracts a user's current notification of a group by group_key", async () => {
    const first = await send("ret-group", "one", { groupKey: "g" });
    expect(first.groupKey).toBe("g");
    const res = await sender.retractNotification({ userId: "ret-group", groupKey: "g" });
    expect(res.notificationIds).toEqual([first.id]);
    expect(await sender.retractNotification({ userId: "ret-group", groupKey: "g" })).toMatchObject({
      notificationIds: [],
    });
    const missingUser = await codeOf(sender.retractNotification({ groupKey: "g" }));
    expect([missingUser.code, missingUser.rawMessage]).toEqual([
      Code.InvalidArgument,
      expect.stringContaining("user_id"),
    ]);
    const neither = await codeOf(sender.retractNotification({}));
    expect(neither.code).toBe(Code.InvalidArgument);
    const unknown = await codeOf(sender.retractNotification({ id: "0190a000-0000-7000-8000-000000000000" }));
    expect(unknown.code).toBe(Code.NotFound);
  });

  it("keeps the counts exact under concurrent retractions, reads, archives, updates and group Sends", async () => {
    const user = connectClient(herald.url, await herald.userToken("ret-race"));
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await send("ret-race", `n${i}`, { groupKey: `g${i % 3}` })).id);
    // Each group's last Send stands: ids 9, 10, 11; the others were replaced already.
    const standing = ids.slice(9);
    const ops = [
      ...ids.map((id) => () => sender.retractNotification({ id })),
      ...ids.map((id) => () => user.markRead({ notificationIds: [id] })),
      () => user.markRead({ notificationIds: standing, change: ChangeKind.UNREAD }),
      () => user.markRead({ all: true, change: ChangeKind.ARCHIVED }),
      // Updates racing with the retractions: refused once their notification is retracted.
      ...standing.map((id) => () => sender.updateNotification({ id, body: "changed" }).catch(() => undefined)),
      ...[0, 1, 2].map((g) => () => send("ret-race", `again ${g}`, { groupKey: `g${g}` })),
    ];
    await Promise.all(ops.map((op) => op()));
    // The stored counts are the recounts.
    const after = await counts("ret-race");
    expect([after?.unread, after?.unseen]).toEqual([after?.unread_rows, after?.unseen_rows]);
    const listed = await user.list({});
    expect([listed.unreadCount, listed.unseenCount]).toEqual([after?.unread_rows, after?.unseen_rows]);
    // Each group has exactly one standing notification: the last Send of it.
    const groups = await herald.db.query<{ group_key: string; n: number }>(
      `SELECT group_key, count(*)::int AS n FROM notifications
       WHERE user_id = 'ret-race' AND retracted_at IS NULL GROUP BY group_key ORDER BY group_key`,
    );
    expect(groups).toEqual([0, 1, 2].map((g) => ({ group_key: `g${g}`, n: 1 })));
  });

  it("is refused by MarkRead as a change a user can ask for", async () => {
    const user = connectClient(herald.url, await herald.userToken("ret-mark"));
    const error = await codeOf(user.markRead({ all: true, change: ChangeKind.RETRACTED }));
    expect([error.code, error.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("change")]);
  });
});

describe("Send with group_key", () => {
  it("replaces the group's previous notification: one in List, streams see retract then create", async () => {
    const user = connectClient(herald.url, await herald.userToken("grp"));
    const s = open(user);
    await s.stream.atLeast(1);
    const unrelated = await send("grp", "unrelated");
    const sent: Notification[] = [];
    for (const n of [1, 2, 3]) sent.push(await send("grp", `${n} new comments on X`, { groupKey: "post-42" }));
    const [one, two, three] = sent.map((n) => n.id);
    await waitFor(() => s.events().length >= 7, 5000, "six events after synced");
    expect(summary(s.events())).toEqual([
      ["created", "unrelated", 1, 1],
      ["created", "1 new comments on X", 1, 2],
      ["RETRACTED", [one], 1],
      ["created", "2 new comments on X", 1, 2],
      ["RETRACTED", [two], 1],
      ["created", "3 new comments on X", 1, 2],
    ]);
    const listed = await user.list({});
    expect(listed.notifications.map((n) => n.id)).toEqual([three, unrelated.id]);
    expect(listed.unreadCount).toBe(2);
    expect(await counts("grp")).toMatchObject({ unread: 2, unread_rows: 2, unseen: 2, unseen_rows: 2 });
    const [detail] = await herald.db.query<{ detail: unknown }>(
      "SELECT detail FROM feed_events WHERE user_id = 'grp' AND kind = 'retracted' ORDER BY seq LIMIT 1",
    );
    expect(detail?.detail).toEqual({ replaced_by: two });
    s.abort.abort();
  });

  it("keeps groups apart per user and per key, and replaces concurrently without losing one", async () => {
    await send("grp-a", "a1", { groupKey: "k" });
    await send("grp-b", "b1", { groupKey: "k" });
    await send("grp-a", "a-other", { groupKey: "k2" });
    // A Send to several users replaces each one's own.
    for (const title of ["both-1", "both-2"]) {
      await sender.send({ userIds: ["grp-c", "grp-d"], category: "thread", title, body: "b", groupKey: "k" });
    }
    // Ten concurrent Sends of one group to a new user: exactly one stands.
    await Promise.all(Array.from({ length: 10 }, (_, i) => send("grp-race", `r${i}`, { groupKey: "k" })));
    const standing = await herald.db.query<{ user_id: string; group_key: string; title: string }>(
      `SELECT user_id, group_key, title FROM notifications
       WHERE user_id IN ('grp-a', 'grp-b', 'grp-c', 'grp-d', 'grp-race') AND retracted_at IS NULL
       ORDER BY user_id, group_key`,
    );
    expect(standing).toEqual([
      { user_id: "grp-a", group_key: "k", title: "a1" },
      { user_id: "grp-a", group_key: "k2", title: "a-other" },
      { user_id: "grp-b", group_key: "k", title: "b1" },
      { user_id: "grp-c", group_key: "k", title: "both-2" },
      { user_id: "grp-d", group_key: "k", title: "both-2" },
      { user_id: "grp-race", group_key: "k", title: expect.stringMatching(/^r\d$/) },
    ]);
    expect(await counts("grp-race")).toMatchObject({ unread: 1, unread_rows: 1, unseen: 1, unseen_rows: 1 });
  });

  it("names group_key when it is malformed or used with topics", async () => {
    const bad = await codeOf(send("grp-bad", "x", { groupKey: "tab\there" }));
    expect([bad.code, bad.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("group_key")]);
    const topics = await codeOf(
      sender.send({ topics: ["t"], category: "thread", title: "x", body: "b", groupKey: "g" }),
    );
    expect([topics.code, topics.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("group_key")]);
  });

  it("does not replace anything on an idempotent retry", async () => {
    const extra = { groupKey: "idem", idempotencyKey: "idem-1" };
    const first = await send("grp-idem", "x", extra);
    const retry = await send("grp-idem", "x", extra);
    expect(retry.id).toBe(first.id);
    const listed = await connectClient(herald.url, await herald.userToken("grp-idem")).list({});
    expect(listed.notifications.map((n) => n.id)).toEqual([first.id]);
  });
});
