import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, type FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import type { SubscribeResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

// Seen vs read: the inbox marks everything seen when its panel opens (the bell
// badge is the unseen count), and reading one opens it. Both counts are kept by
// the feed log, returned by List and MarkRead, and carried on every feed event.
let herald: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
});
afterAll(() => herald.close());

async function send(userId: string, title: string): Promise<string> {
  const res = await sender.send({ userIds: [userId], category: "news", title, body: "b" });
  return res.notifications[0]?.id as string;
}

describe("seen vs read", () => {
  it("counts unseen apart from unread; seeing all keeps them unread, reading sees", async () => {
    const user = connectClient(herald.url, await herald.userToken("seer"));
    const [a, b, c] = [await send("seer", "a"), await send("seer", "b"), await send("seer", "c")];
    let page = await user.list({});
    expect([page.unreadCount, page.unseenCount]).toEqual([3, 3]);
    expect(page.notifications.every((n) => n.seenTime === undefined)).toBe(true);

    // Reading one also sees it.
    const read = await user.markRead({ notificationIds: [a] });
    expect([read.unreadCount, read.unseenCount, read.changedCount]).toEqual([2, 2, 1]);

    // The panel opens: everything in the inbox is seen, nothing more is read.
    const seen = await user.markRead({ all: true, change: ChangeKind.SEEN });
    expect([seen.unreadCount, seen.unseenCount, seen.changedCount]).toEqual([2, 0, 2]);
    const again = await user.markRead({ all: true, change: ChangeKind.SEEN });
    expect([again.unseenCount, again.changedCount]).toEqual([0, 0]);

    page = await user.list({});
    expect(page.notifications.map((n) => [n.title, n.seenTime !== undefined, n.readTime !== undefined])).toEqual([
      ["c", true, false],
      ["b", true, false],
      ["a", true, true],
    ]);
    expect((await user.list({ unreadOnly: true })).notifications.map((n) => n.id)).toEqual([c, b]);

    // A new one is unseen and unread; marking it unread later does not unsee it.
    const d = await send("seer", "d");
    page = await user.list({ unseenOnly: true });
    expect(page.notifications.map((n) => n.id)).toEqual([d]);
    expect([page.unreadCount, page.unseenCount]).toEqual([3, 1]);
    await user.markRead({ notificationIds: [a], change: ChangeKind.UNREAD });
    expect((await user.list({})).unseenCount).toBe(1);
  });

  it("moves the unseen count with archive and unarchive of unseen notifications only", async () => {
    const user = connectClient(herald.url, await herald.userToken("archiver"));
    const a = await send("archiver", "a");
    const b = await send("archiver", "b");
    await user.markRead({ notificationIds: [b], change: ChangeKind.SEEN });
    let r = await user.markRead({ notificationIds: [a, b], change: ChangeKind.ARCHIVED });
    expect([r.unreadCount, r.unseenCount]).toEqual([0, 0]);
    r = await user.markRead({ notificationIds: [a], change: ChangeKind.UNARCHIVED });
    expect([r.unreadCount, r.unseenCount]).toEqual([1, 1]);
    r = await user.markRead({ notificationIds: [b], change: ChangeKind.UNARCHIVED });
    expect([r.unreadCount, r.unseenCount]).toEqual([2, 1]);
    // `all` seen covers the inbox only: an archived unseen one stays unseen.
    const c = await send("archiver", "c");
    await user.markRead({ notificationIds: [c], change: ChangeKind.ARCHIVED });
    await user.markRead({ all: true, change: ChangeKind.SEEN });
    const archived = await user.list({ archived: true });
    expect(archived.notifications.find((n) => n.id === c)?.seenTime).toBeUndefined();
  });

  it("streams seen changes with both counts and replays them from a cursor", async () => {
    const user = connectClient(herald.url, await herald.userToken("streamer"));
    const first = await send("streamer", "first");
    const abort = new AbortController();
    const stream = collect(user.subscribe({}, { signal: abort.signal }));
    const events = () => stream.items.map((r: SubscribeResponse) => r.event as FeedEvent);
    await stream.atLeast(1);
    const synced = events()[0] as FeedEvent;
    expect([synced.kind.case, synced.unreadCount, synced.unseenCount]).toEqual(["synced", 1, 1]);

    const second = await send("streamer", "second");
    await user.markRead({ notificationIds: [first], change: ChangeKind.SEEN });
    await user.markRead({ all: true, change: ChangeKind.SEEN });
    await waitFor(() => events().length >= 4, 5000, "created and two seen events");
    const live = events().slice(1, 4);
    expect(live.map((e) => [e.kind.case, e.unreadCount, e.unseenCount])).toEqual([
      ["created", 2, 2],
      ["changed", 2, 1],
      ["changed", 2, 0],
    ]);
    const change = live[1]?.kind.value as { kind: ChangeKind; notificationIds: string[] };
    expect([change.kind, change.notificationIds]).toEqual([ChangeKind.SEEN, [first]]);
    expect(((live[2] as FeedEvent).kind.value as { all: boolean }).all).toBe(true);
    abort.abort();
    await stream.done;

    // Replay from the cursor of the created event: the same two seen events, then synced.
    const again = new AbortController();
    const replay = collect(user.subscribe({ cursor: live[0]?.cursor as string }, { signal: again.signal }));
    await replay.atLeast(3);
    const replayed = replay.items.slice(0, 3).map((r: SubscribeResponse) => r.event as FeedEvent);
    expect(replayed.map((e) => [e.kind.case, e.unreadCount, e.unseenCount])).toEqual([
      ["changed", 2, 1],
      ["changed", 2, 0],
      ["synced", 2, 0],
    ]);
    again.abort();
    await replay.done;
    expect(second).toBeTruthy();
  });
});
