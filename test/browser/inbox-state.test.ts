import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ChangeKind, type FeedEvent, FeedEventSchema } from "../../gen/ts/herald/v1/feed_pb.js";
import { type Notification, NotificationSchema } from "../../gen/ts/herald/v1/notification_pb.js";
import { backoffDelay } from "../../web/src/backoff.js";
import { InboxState } from "../../web/src/inbox-state.js";

const note = (id: string, sentMs = 1000): Notification =>
  create(NotificationSchema, { id, title: id, sendTime: timestampFromMs(sentMs) });
const page = (ids: string[], unreadCount = ids.length, nextPageToken = "") => ({
  notifications: ids.map((id) => note(id)),
  nextPageToken,
  unreadCount,
  unseenCount: unreadCount,
});
const event = (kind: FeedEvent["kind"], unreadCount: number, atMs = 5000): FeedEvent =>
  create(FeedEventSchema, { cursor: "7", unreadCount, eventTime: timestampFromMs(atMs), kind });
const created = (id: string, unread: number) =>
  event({ case: "created", value: { notification: note(id) } } as FeedEvent["kind"], unread);
const changed = (kind: ChangeKind, ids: string[], unread: number, all = false, atMs = 5000) =>
  event({ case: "changed", value: { kind, notificationIds: ids, all } } as FeedEvent["kind"], unread, atMs);
const ids = (s: InboxState) => s.items.map((n) => n.id);

describe("InboxState", () => {
  it("puts live notifications on top and never shows one twice (replay overlapping List)", () => {
    const s = new InboxState();
    s.replace(page(["b", "a"], 2, "next"));
    s.apply(created("c", 3));
    s.apply(created("c", 3));
    s.append(page(["a", "z"], 3));
    expect(ids(s)).toEqual(["c", "b", "a", "z"]);
    expect(s.unreadCount).toBe(3);
    expect(s.nextPageToken).toBe("");
  });

  it("applies reads, unreads and archives from other devices; the unread count follows every event", () => {
    const s = new InboxState();
    s.replace(page(["b", "a"]));
    s.apply(changed(ChangeKind.READ, ["a"], 1));
    expect(s.items.find((n) => n.id === "a")?.readTime).toBeDefined();
    s.apply(changed(ChangeKind.UNREAD, ["a"], 2));
    expect(s.items.find((n) => n.id === "a")?.readTime).toBeUndefined();
    s.apply(changed(ChangeKind.ARCHIVED, ["b"], 1));
    expect(ids(s)).toEqual(["a"]);
    s.apply(event({ case: "heartbeat", value: {} } as FeedEvent["kind"], 9));
    expect(s.unreadCount).toBe(9);
  });

  it("applies `all` only to what had arrived when it happened", () => {
    const s = new InboxState();
    s.replace({
      notifications: [note("late", 9000), note("early", 1000)],
      nextPageToken: "",
      unreadCount: 2,
      unseenCount: 0,
    });
    s.apply(changed(ChangeKind.READ, [], 1, true, 5000));
    expect(s.items.map((n) => [n.id, n.readTime !== undefined])).toEqual([
      ["late", false],
      ["early", true],
    ]);
  });

  it("asks for a reload on a reset and on unarchive (the event has ids, not content)", () => {
    const s = new InboxState();
    expect(s.apply(event({ case: "synced", value: { reset: true } } as FeedEvent["kind"], 0))).toBe("reload");
    expect(s.apply(event({ case: "synced", value: { reset: false } } as FeedEvent["kind"], 0))).toBe("applied");
    expect(s.apply(changed(ChangeKind.UNARCHIVED, ["x"], 0))).toBe("reload");
  });

  it("counts optimistic reads once", () => {
    const s = new InboxState();
    s.replace(page(["a"], 1));
    s.setRead(["a"], true, timestampFromMs(2000));
    s.setRead(["a"], true, timestampFromMs(2000));
    expect(s.unreadCount).toBe(0);
  });
});

describe("InboxState, newer states", () => {
  const tagged = (id: string, tags: string[], version = 1) =>
    create(NotificationSchema, { id, title: id, tags, version });
  const withKind = (kind: FeedEvent["kind"], unread = 0, unseen = 0) => {
    const e = event(kind, unread);
    e.unseenCount = unseen;
    return e;
  };

  it("takes the unseen count from pages and every event, and clears it when all is seen", () => {
    const s = new InboxState();
    s.replace({ ...page(["a", "b"]), unseenCount: 2 });
    expect(s.unseenCount).toBe(2);
    s.setAllSeen(timestampFromMs(3000));
    expect(s.unseenCount).toBe(0);
    expect(s.items.every((n) => n.seenTime !== undefined && n.readTime === undefined)).toBe(true);
    s.apply(withKind({ case: "heartbeat", value: {} } as FeedEvent["kind"], 2, 1));
    expect(s.unseenCount).toBe(1);
  });

  it("removes snoozed, retracted and expired notifications; a returned one goes back on top", () => {
    const s = new InboxState();
    s.replace(page(["c", "b", "a"]));
    for (const [kind, id] of [
      [ChangeKind.SNOOZED, "a"],
      [ChangeKind.RETRACTED, "b"],
      [ChangeKind.EXPIRED, "c"],
    ] as const) {
      s.apply(changed(kind, [id], 0));
    }
    expect(ids(s)).toEqual([]);
    s.replace(page(["y", "x"]));
    s.apply(withKind({ case: "returned", value: { notification: note("x") } } as FeedEvent["kind"]));
    expect(ids(s)).toEqual(["x", "y"]);
    expect(s.apply(changed(ChangeKind.UNSNOOZED, ["z"], 0))).toBe("reload");
  });

  it("replaces updated content in place unless the version held is newer; ignores ones not held", () => {
    const s = new InboxState();
    s.replace({ ...page([]), notifications: [tagged("a", [], 3), tagged("b", [])] });
    const newer = create(NotificationSchema, { id: "a", title: "new", version: 4 });
    const stale = create(NotificationSchema, { id: "a", title: "stale", version: 2 });
    s.apply(withKind({ case: "updated", value: { notification: newer } } as FeedEvent["kind"]));
    s.apply(withKind({ case: "updated", value: { notification: stale } } as FeedEvent["kind"]));
    s.apply(withKind({ case: "updated", value: { notification: note("zz") } } as FeedEvent["kind"]));
    expect(s.items.map((n) => n.title)).toEqual(["new", "b"]);
  });

  it("records an interaction, which reads and sees the notification", () => {
    const s = new InboxState();
    s.replace(page(["a"]));
    s.apply(withKind({ case: "interacted", value: { notificationId: "a", actionId: "approve" } } as FeedEvent["kind"]));
    const a = s.items[0];
    expect([a?.interaction?.actionId, a?.readTime !== undefined, a?.seenTime !== undefined]).toEqual([
      "approve",
      true,
      true,
    ]);
  });

  it("lists live notifications only if they match the tab's filter", () => {
    const s = new InboxState();
    s.filter = { tags: ["mention"] };
    s.apply(withKind({ case: "created", value: { notification: tagged("m", ["mention", "x"]) } } as FeedEvent["kind"]));
    s.apply(withKind({ case: "created", value: { notification: tagged("o", ["other"]) } } as FeedEvent["kind"]));
    expect(ids(s)).toEqual(["m"]);
  });
});

describe("backoffDelay", () => {
  it("doubles from the first wait up to the cap, with jitter in the upper half", () => {
    const options = { initialMs: 500, maxMs: 4000 };
    for (let i = 0; i < 50; i++) {
      const d0 = backoffDelay(0, options);
      const d3 = backoffDelay(3, options);
      const d9 = backoffDelay(9, options);
      expect(d0).toBeGreaterThanOrEqual(250);
      expect(d0).toBeLessThanOrEqual(500);
      expect(d3).toBeGreaterThanOrEqual(2000);
      expect(d3).toBeLessThanOrEqual(4000);
      expect(d9).toBeLessThanOrEqual(4000);
    }
  });
});
