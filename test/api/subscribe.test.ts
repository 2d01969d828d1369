import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, type FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import type { SubscribeResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, uniquePrefix } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
});
afterAll(() => herald.close());

function open(client: HeraldClient, cursor = "") {
  const abort = new AbortController();
  const stream = collect(client.subscribe({ cursor }, { signal: abort.signal }));
  const events = () => stream.items.map((r: SubscribeResponse) => r.event as FeedEvent);
  const ofKind = (kind: string) => events().filter((e) => e.kind.case === kind);
  return { abort, stream, events, ofKind };
}

const titlesOf = (events: FeedEvent[]) =>
  events.flatMap((e) => (e.kind.case === "created" ? [e.kind.value.notification?.title] : []));

async function send(userId: string, title: string) {
  return (await sender.send({ userIds: [userId], category: "feed", title, body: "b" })).notifications[0]?.id as string;
}

describe("Subscribe", () => {
  it("starts with synced, then streams new notifications with the unread count", async () => {
    const client = connectClient(herald.url, await herald.userToken("live"));
    await send("live", "before");
    const s = open(client);
    await s.stream.atLeast(1);
    const [synced] = s.events();
    expect(synced?.kind.case).toBe("synced");
    expect(synced?.unreadCount).toBe(1);
    await send("live", "hello");
    await waitFor(() => s.ofKind("created").length === 1, 5000, "created event");
    const created = s.ofKind("created")[0] as FeedEvent;
    expect(titlesOf([created])).toEqual(["hello"]);
    expect(created.unreadCount).toBe(2);
    expect(Number(created.cursor)).toBeGreaterThan(Number(synced?.cursor));
    s.abort.abort();
    await s.stream.done;
  });

  it("keeps a second device in sync with reads, unreads and archives", async () => {
    const phone = connectClient(herald.url, await herald.userToken("sync"));
    const laptop = open(connectClient(herald.url, await herald.userToken("sync")));
    await laptop.stream.atLeast(1);
    const a = await send("sync", "a");
    const b = await send("sync", "b");
    await phone.markRead({ notificationIds: [a] });
    await phone.markRead({ notificationIds: [a], change: ChangeKind.UNREAD });
    await phone.markRead({ notificationIds: [b], change: ChangeKind.ARCHIVED });
    await phone.markRead({ all: true });
    await waitFor(() => laptop.ofKind("changed").length === 4, 5000, "four change events");
    const changes = laptop.ofKind("changed").map((e) => {
      const v = e.kind.value as { kind: ChangeKind; notificationIds: string[]; all: boolean };
      return [v.kind, v.notificationIds, v.all, e.unreadCount];
    });
    expect(changes).toEqual([
      [ChangeKind.READ, [a], false, 1],
      [ChangeKind.UNREAD, [a], false, 2],
      [ChangeKind.ARCHIVED, [b], false, 1],
      [ChangeKind.READ, [], true, 0],
    ]);
    laptop.abort.abort();
  });

  it("resumes from a cursor with exactly the missed events, once and in order, then live", async () => {
    const client = connectClient(herald.url, await herald.userToken("resumer"));
    const first = open(client);
    await first.stream.atLeast(1);
    await send("resumer", "seen-1");
    await send("resumer", "seen-2");
    // Wait for both created events, not for three items: a heartbeat tick may come between them.
    await waitFor(() => first.ofKind("created").length === 2, 5000, "both seen events");
    const cursor = first.events().at(-1)?.cursor as string;
    first.abort.abort();
    await first.stream.done;

    // While disconnected: four notifications and a read.
    const missed = [];
    for (const title of ["m1", "m2", "m3", "m4"]) missed.push(await send("resumer", title));
    await sender.send({ userIds: ["someone-else"], category: "feed", title: "not mine", body: "b" });
    await connectClient(herald.url, await herald.userToken("resumer")).markRead({
      notificationIds: [missed[0] as string],
    });

    const second = open(client, cursor);
    await second.stream.atLeast(6);
    const replay = second.events();
    expect(replay.slice(0, 5).map((e) => e.kind.case)).toEqual(["created", "created", "created", "created", "changed"]);
    expect(titlesOf(replay)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(replay[5]?.kind.case).toBe("synced");
    expect(replay[5]?.kind.value).toMatchObject({ reset: false });
    const cursors = replay.map((e) => Number(e.cursor));
    expect(cursors.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((i) => Number(cursor) + i));
    expect(replay[5]?.unreadCount).toBe(5);
    await send("resumer", "live-after");
    await waitFor(() => titlesOf(second.events()).includes("live-after"), 5000, "live event after replay");
    expect(titlesOf(second.events())).toEqual(["m1", "m2", "m3", "m4", "live-after"]);
    second.abort.abort();
  });

  it("fills a hole from Postgres when a live event never arrives over NATS", async () => {
    // A second Herald on the same database but another NATS prefix writes events
    // this process never hears about; the heartbeat tick must find them.
    const deaf = await startHerald({ db: herald.db, natsPrefix: uniquePrefix() });
    try {
      const s = open(connectClient(herald.url, await herald.userToken("holes")));
      await s.stream.atLeast(1);
      const otherSender = connectClient(deaf.url, await deaf.apiKey(["send"]));
      await otherSender.send({ userIds: ["holes"], category: "feed", title: "unheard", body: "b" });
      await send("holes", "heard");
      await waitFor(() => titlesOf(s.events()).length === 2, 5000, "both events");
      expect(titlesOf(s.events())).toEqual(["unheard", "heard"]);
      s.abort.abort();
    } finally {
      await deaf.close();
    }
  });

  it("sends heartbeats carrying the cursor and unread count", async () => {
    const s = open(connectClient(herald.url, await herald.userToken("idle")));
    // A stream without a cursor starts from its `synced` head: send after it, or the event may predate the stream.
    await s.stream.atLeast(1);
    await send("idle", "x");
    // The first heartbeat after the notification arrived (one may have gone out while Send was running).
    const heartbeatAfterCreated = () => {
      const events = s.events();
      const created = events.findIndex((e) => e.kind.case === "created");
      return created < 0 ? undefined : events.slice(created + 1).find((e) => e.kind.case === "heartbeat");
    };
    const beat = (await waitFor(heartbeatAfterCreated, 10_000, "a heartbeat after the notification")) as FeedEvent;
    expect(beat.unreadCount).toBe(1);
    expect(beat.cursor).toBe(s.ofKind("created")[0]?.cursor);
    s.abort.abort();
  });

  it("says reset when the cursor is older than the kept events", async () => {
    const client = connectClient(herald.url, await herald.userToken("pruned"));
    await send("pruned", "old-1");
    await send("pruned", "old-2");
    await send("pruned", "kept");
    await herald.db.query("DELETE FROM feed_events WHERE user_id = 'pruned' AND seq <= 2");
    const s = open(client, "1");
    await s.stream.atLeast(1);
    expect(s.events()[0]).toMatchObject({
      kind: { case: "synced", value: { reset: true } },
      cursor: "3",
      unreadCount: 3,
    });
    s.abort.abort();
  });

  it("leaves no listener behind when clients leave (Connect, gRPC and grpc-js)", async () => {
    const token = await herald.userToken("leaver");
    const viaConnect = open(connectClient(herald.url, token, "connect"));
    const viaGrpc = open(connectClient(herald.url, token, "grpc"));
    const grpcJs = grpcJsClient(herald.port, token);
    const viaGrpcJs = grpcJs.subscribe({});
    const grpcJsEvents: unknown[] = [];
    viaGrpcJs.on("data", (d) => grpcJsEvents.push(d));
    viaGrpcJs.on("error", () => undefined);
    await waitFor(() => herald.app.hub.size("leaver") === 3, 5000, "three listeners");
    await send("leaver", "to all three");
    // A heartbeat may come first on a busy machine: look for the event, not at a position.
    const grpcJsCreated = () => grpcJsEvents.filter((d) => (d as { event?: { created?: unknown } }).event?.created);
    await waitFor(
      () =>
        grpcJsCreated().length === 1 &&
        viaConnect.ofKind("created").length === 1 &&
        viaGrpc.ofKind("created").length === 1,
      5000,
      "event on every stream",
    );
    expect(grpcJsCreated()[0]).toMatchObject({ event: { created: { notification: { title: "to all three" } } } });
    viaConnect.abort.abort();
    viaGrpc.abort.abort();
    viaGrpcJs.cancel();
    await waitFor(() => herald.app.hub.size("leaver") === 0, 5000, "listeners to go");
    grpcJs.close();
  });

  it("ends open streams with Unavailable when the server shuts down", async () => {
    const doomed = await startHerald({ db: herald.db });
    const s = open(connectClient(doomed.url, await doomed.userToken("shutdown")));
    await s.stream.atLeast(1);
    await doomed.close();
    await s.stream.done;
    expect(ConnectError.from(s.stream.error)).toMatchObject({ code: Code.Unavailable });
  });
});
