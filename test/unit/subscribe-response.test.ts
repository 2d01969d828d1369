// Map once (issue 16): the Subscribe response of one feed event is built once
// per process and shared by every stream that sends it.
import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FeedEventSchema } from "../../gen/ts/herald/v1/feed_pb.js";
import { decodeFeedEvent, encodeFeedEvent, feedItemToPb, subscribeResponseOf } from "../../src/contract/feed-event.js";
import type { FeedEvent } from "../../src/domain/feed-event.js";

const created: FeedEvent = {
  tenantId: "default",
  userId: "ada",
  seq: 7,
  unreadCount: 3,
  unseenCount: 3,
  time: new Date("2026-12-02T10:00:00.123Z"),
  kind: "created",
  notification: {
    id: "0193a0d2-58c0-7000-8000-000000000001",
    tenantId: "default",
    userId: "ada",
    category: "billing",
    title: "Invoice",
    body: "Your invoice is ready.",
    actionUrl: "https://app.example.com/invoices/1",
    data: { amount: 12, lines: ["a", "b"] },
    priority: "high",
    createdAt: new Date("2026-12-02T10:00:00.100Z"),
    sendAt: new Date("2026-12-02T10:00:00.100Z"),
    readAt: null,
    archivedAt: null,
    tags: [],
    actions: [],
    interaction: null,
    seenAt: null,
  },
};

describe("subscribeResponseOf", () => {
  it("gives every stream the same message for an event heard on NATS, the one decoded from it", () => {
    const bytes = encodeFeedEvent(created);
    const heard = decodeFeedEvent("default", "ada", bytes) as FeedEvent;
    const first = subscribeResponseOf(heard);
    expect(subscribeResponseOf(heard)).toBe(first);
    // Not mapped again: the decoded message itself, byte for byte what was published.
    expect(toBinary(FeedEventSchema, first.event as never)).toEqual(bytes);
    expect(toBinary(FeedEventSchema, first.event as never)).toEqual(toBinary(FeedEventSchema, feedItemToPb(heard)));
  });

  it("shares the message of an event read from Postgres too (catch-up pages are shared)", () => {
    const changed: FeedEvent = {
      tenantId: "default",
      userId: "ada",
      seq: 8,
      unreadCount: 2,
      unseenCount: 2,
      time: new Date(),
      kind: "changed",
      change: "read",
      notificationIds: ["0193a0d2-58c0-7000-8000-000000000001"],
      all: false,
    };
    const response = subscribeResponseOf(changed);
    expect(subscribeResponseOf(changed)).toBe(response);
    expect(response.event).toEqual(feedItemToPb(changed));
    // Another event with equal content is another event: no mix-ups by value.
    expect(subscribeResponseOf({ ...changed })).not.toBe(response);
  });

  it("builds heartbeats and synced markers afresh: each is one stream's own", () => {
    const beat = { kind: "heartbeat" as const, seq: 8, unreadCount: 2, unseenCount: 2, time: new Date() };
    expect(subscribeResponseOf(beat)).not.toBe(subscribeResponseOf(beat));
    expect(subscribeResponseOf(beat).event?.kind.case).toBe("heartbeat");
  });
});

describe("feed events on NATS", () => {
  it("carry tags, actions and interactions, and the interacted kind, both ways", () => {
    const rich: FeedEvent = {
      ...created,
      notification: {
        ...(created as Extract<FeedEvent, { kind: "created" }>).notification,
        tags: ["billing", "urgent"],
        actions: [
          { id: "pay", label: "Pay", url: "", payload: { invoice: "inv-7" } },
          { id: "view", label: "View", url: "/invoices/7", payload: null },
        ],
        interaction: { actionId: "view", time: new Date("2026-12-02T10:05:00.000Z") },
        // What the message always carries back (unset expiry and snooze, the first version).
        expireAt: null,
        snoozeUntil: null,
        updatedAt: null,
        version: 1,
      },
    } as FeedEvent;
    expect(decodeFeedEvent("default", "ada", encodeFeedEvent(rich))).toEqual(rich);
    const interacted: Extract<FeedEvent, { kind: "interacted" }> = {
      tenantId: "default",
      userId: "ada",
      seq: 9,
      unreadCount: 1,
      unseenCount: 0,
      time: new Date("2026-12-02T10:06:00.000Z"),
      kind: "interacted",
      notificationId: "0193a0d2-58c0-7000-8000-000000000001",
      actionId: "pay",
      payload: { invoice: "inv-7" },
    };
    expect(decodeFeedEvent("default", "ada", encodeFeedEvent(interacted))).toEqual(interacted);
    expect(decodeFeedEvent("default", "ada", encodeFeedEvent({ ...interacted, payload: null }))).toEqual({
      ...interacted,
      payload: null,
    });
  });
});
