import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import type { SubscribeResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, uniquePrefix } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

// Two Herald instances on one database and one NATS, both running the return
// sweep often and with a small batch, so their rounds contend for the same
// users: every snoozed notification must come back exactly once (one
// `returned` event in the log, one on the live stream, which is open on the
// other instance than the one the sweep may run on).

const users = Array.from({ length: 8 }, (_, i) => `twin${i}`);
const perUser = 4;
let a: TestHerald;
let b: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  const prefix = uniquePrefix();
  const env = { INBOX_TIMERS_INTERVAL_MS: "50", INBOX_TIMERS_BATCH: "3" };
  a = await startHerald({ natsPrefix: prefix, env });
  b = await startHerald({ natsPrefix: prefix, db: a.db, env });
  sender = connectClient(a.url, await a.apiKey(["send"]));
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe("the return sweep on two processes", () => {
  it("returns each snoozed notification exactly once, seen live on either process", async () => {
    const ids = new Map<string, string[]>();
    for (const u of users) {
      const res = await sender.send({ userIds: [u], category: "feed", title: "t", body: "b" });
      const more = await Promise.all(
        Array.from({ length: perUser - 1 }, () =>
          sender.send({ userIds: [u], category: "feed", title: "t", body: "b" }),
        ),
      );
      ids.set(
        u,
        [res, ...more].map((r) => r.notifications[0]?.id as string),
      );
    }
    const streams = await Promise.all(
      users.map(async (u, i) => {
        const client = connectClient((i % 2 === 0 ? a : b).url, await a.userToken(u));
        const abort = new AbortController();
        const s = collect(client.subscribe({}, { signal: abort.signal }));
        await s.atLeast(1);
        return { abort, events: () => s.items.map((r: SubscribeResponse) => r.event as FeedEvent) };
      }),
    );
    const until = timestampFromDate(new Date(Date.now() + 1500));
    await Promise.all(
      users.map(async (u) => {
        const client = connectClient(b.url, await a.userToken(u));
        const res = await client.snoozeNotifications({ notificationIds: ids.get(u) as string[], snoozeUntil: until });
        expect(res.changedCount).toBe(perUser);
      }),
    );
    const returnedOf = (i: number) => streams[i]?.events().filter((e) => e.kind.case === "returned") ?? [];
    await waitFor(
      () => users.every((_, i) => returnedOf(i).length >= perUser),
      30_000,
      "every notification returned on the live streams",
    );
    const rows = await a.db.query<{ id: string; n: number }>(
      `SELECT x.id::text AS id, count(*)::int AS n FROM feed_events e, unnest(e.notification_ids) AS x(id)
       WHERE e.kind = 'returned' AND e.user_id = ANY($1::text[]) GROUP BY x.id`,
      [users],
    );
    expect(rows).toHaveLength(users.length * perUser);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // Let a few more rounds of both sweepers run: nothing returns twice.
    await new Promise((r) => setTimeout(r, 500));
    users.forEach((u, i) => {
      const got = returnedOf(i).map((e) => (e.kind.case === "returned" ? e.kind.value.notification?.id : ""));
      expect([...got].sort()).toEqual([...(ids.get(u) as string[])].sort());
    });
    for (const s of streams) s.abort.abort();
  });
});
