import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "../../gen/ts/herald/v1/event_pb.js";
import { EventService, type WatchEventsResponse } from "../../gen/ts/herald/v1/event_service_pb.js";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { eventLog } from "../../src/store/event-log.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, rejection, waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let sender: HeraldClient;
let readKey: string;

beforeAll(async () => {
  herald = await startHerald({
    env: { EVENT_SEQUENCER_INTERVAL_MS: "20", EVENT_MAX_STREAMS_PER_TENANT: "3", WEBHOOK_EVENTS_INTERVAL_MS: "20" },
  });
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
  readKey = await herald.apiKey(["read"]);
});
afterAll(() => herald.close());

function watch(key: string, request: Parameters<ReturnType<typeof events>["watchEvents"]>[0] = {}) {
  const abort = new AbortController();
  const stream = collect(events(key).watchEvents(request, { signal: abort.signal }));
  const ofCase = (c: string) => stream.items.filter((r: WatchEventsResponse) => r.kind.case === c);
  const received = () => stream.items.flatMap((r) => (r.kind.case === "event" ? [r.kind.value] : []));
  return { abort, stream, ofCase, received };
}
const events = (key: string) => serviceClient(EventService, herald.url, key);

async function send(userId: string, title: string) {
  return (await sender.send({ userIds: [userId], category: "ev", title, body: "b" })).notifications[0]?.id as string;
}

describe("WatchEvents", () => {
  it("starts with synced at the head, then streams created, sent, seen and read events live", async () => {
    const s = watch(readKey);
    await s.stream.atLeast(1);
    expect(s.stream.items[0]?.kind.case).toBe("synced");
    const id = await send("w1", "hello");
    const user = connectClient(herald.url, await herald.userToken("w1"));
    await user.markRead({ notificationIds: [id], change: ChangeKind.SEEN });
    await user.markRead({ notificationIds: [id] });
    await waitFor(
      () => s.received().filter((e) => e.notificationId === id).length >= 4,
      5000,
      "created, sent (in-app), seen, read",
    );
    const mine = s.received().filter((e) => e.notificationId === id);
    expect(mine.map((e) => e.type)).toEqual([
      EventType.NOTIFICATION_CREATED,
      EventType.DELIVERY_SENT,
      EventType.NOTIFICATION_SEEN,
      EventType.NOTIFICATION_READ,
    ]);
    const [created, sent, , read] = mine;
    expect(created?.payload.case === "created" && created.payload.value.notification?.title).toBe("hello");
    expect(created?.userId).toBe("w1");
    expect(sent?.payload.case === "delivery" && sent.userId).toBe("w1");
    expect(read?.payload.value).toMatchObject({ notificationIds: [id], all: false });
    const cursors = s.received().map((e) => Number(e.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(new Set(cursors).size).toBe(cursors.length);
    s.abort.abort();
  });

  it("resumes from a cursor with exactly the events after it, then synced", async () => {
    const first = watch(readKey);
    await first.stream.atLeast(1);
    const a = await send("w2", "a");
    await waitFor(() => first.received().some((e) => e.notificationId === a), 5000, "a");
    const cursor = first.received().at(-1)?.cursor as string;
    first.abort.abort();
    const b = await send("w2", "b");
    await connectClient(herald.url, await herald.userToken("w2")).markRead({ all: true });
    // Wait for the events to be numbered, then resume.
    await waitFor(async () => (await eventLog.head(herald.app.db)).seq >= Number(cursor) + 3, 5000, "numbered");
    const resumed = watch(readKey, { cursor });
    await waitFor(() => resumed.ofCase("synced").length === 1, 5000, "synced");
    const replayed = resumed.stream.items.slice(
      0,
      resumed.stream.items.findIndex((r) => r.kind.case === "synced"),
    );
    expect(replayed.map((r) => r.kind.case === "event" && [r.kind.value.type, r.kind.value.notificationId])).toEqual([
      [EventType.NOTIFICATION_CREATED, b],
      [EventType.DELIVERY_SENT, b],
      [EventType.NOTIFICATION_READ, ""],
    ]);
    resumed.abort.abort();
  });

  it("sends only the requested types, and a heartbeat cursor past the others", async () => {
    const s = watch(readKey, { types: [EventType.NOTIFICATION_READ, EventType.NOTIFICATION_ARCHIVED] });
    await s.stream.atLeast(1);
    const id = await send("w3", "filtered");
    const user = connectClient(herald.url, await herald.userToken("w3"));
    await user.markRead({ notificationIds: [id], change: ChangeKind.ARCHIVED });
    await user.markRead({ notificationIds: [id] });
    await waitFor(() => s.received().length >= 2, 5000, "two filtered events");
    expect(s.received().map((e) => e.type)).toEqual([EventType.NOTIFICATION_ARCHIVED, EventType.NOTIFICATION_READ]);
    await waitFor(() => s.ofCase("heartbeat").length > 0, 5000, "a heartbeat");
    const beat = s.ofCase("heartbeat").at(-1);
    expect(Number(beat?.kind.value?.cursor)).toBeGreaterThanOrEqual(Number(s.received().at(-1)?.cursor));
    s.abort.abort();
  });

  it("refuses user tokens, keys without read, a bad cursor, and too many streams", async () => {
    const asUser = await rejection(collect(events(await herald.userToken("w4")).watchEvents({})).atLeast(1));
    expect(ConnectError.from(asUser).code).toBe(Code.PermissionDenied);
    const sendOnly = await rejection(collect(events(await herald.apiKey(["send"])).watchEvents({})).atLeast(1));
    expect(ConnectError.from(sendOnly).code).toBe(Code.PermissionDenied);
    const bad = await rejection(collect(events(readKey).watchEvents({ cursor: "x" })).atLeast(1));
    expect(ConnectError.from(bad).code).toBe(Code.InvalidArgument);
    expect(ConnectError.from(bad).message).toContain("cursor");
    const ahead = await rejection(collect(events(readKey).watchEvents({ cursor: "999999999" })).atLeast(1));
    expect(ConnectError.from(ahead).code).toBe(Code.InvalidArgument);
    const both = await rejection(collect(events(readKey).watchEvents({ cursor: "1", fromOldest: true })).atLeast(1));
    expect(ConnectError.from(both).message).toContain("from_oldest");
    // A tenant of its own, so streams other tests just closed do not count.
    await herald.tenant("few-streams");
    const fewKey = await herald.apiKey(["read"], "few", "few-streams");
    const open = [watch(fewKey), watch(fewKey), watch(fewKey)];
    await Promise.all(open.map((s) => s.stream.atLeast(1)));
    const fourth = await rejection(collect(events(fewKey).watchEvents({})).atLeast(1));
    expect(ConnectError.from(fourth).code).toBe(Code.ResourceExhausted);
    for (const s of open) s.abort.abort();
  });

  it("a cursor older than the events kept replays from the oldest kept and says reset", async () => {
    const s = watch(readKey);
    await s.stream.atLeast(1);
    await send("w5", "old");
    await waitFor(() => s.received().length > 0, 5000, "an event");
    s.abort.abort();
    const old = s.received()[0]?.cursor as string;
    // Retention of 0 days: everything numbered so far is past it, once the
    // webhook event relay handled it (retention keeps what it has not).
    await waitFor(
      async () => {
        const [row] = await herald.app.db.rows<{ seq: string }>("SELECT seq FROM webhook_event_cursor");
        return Number(row?.seq) >= (await eventLog.head(herald.app.db)).seq;
      },
      5000,
      "the webhook event relay",
    );
    while ((await eventLog.prune(herald.app.db, 0)) > 0);
    const kept = await send("w5", "kept");
    await waitFor(async () => (await eventLog.head(herald.app.db)).seq > Number(old) + 2, 5000, "numbered");
    const resumed = watch(readKey, { cursor: old });
    await waitFor(() => resumed.ofCase("synced").length === 1, 5000, "synced");
    const synced = resumed.ofCase("synced")[0];
    expect(synced?.kind.value).toMatchObject({ reset: true });
    expect(
      resumed
        .received()
        .filter((e) => e.type === EventType.NOTIFICATION_CREATED)
        .map((e) => e.notificationId),
    ).toEqual([kept]);
    resumed.abort.abort();
    const oldest = watch(readKey, { fromOldest: true });
    await waitFor(() => oldest.ofCase("synced").length === 1, 5000, "synced");
    expect(oldest.ofCase("synced")[0]?.kind.value).toMatchObject({ reset: false });
    expect(oldest.received().some((e) => e.notificationId === kept)).toBe(true);
    oldest.abort.abort();
  });
});
