// Issue 9, item 15: when heartbeats find many streams behind, their catch-up
// reads must neither take every pooled connection (List and Send keep theirs)
// nor end a stream when a read waits too long for a connection.
import { setMaxListeners } from "node:events";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, uniquePrefix } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

const pg = createRequire(import.meta.url)("pg") as typeof import("pg");

const streamsPerScenario = 120;
// Longer than the pool's 10 s acquire timeout (src/store/database.ts): a read
// queued on the pool behind reads stuck on the lock gives up meanwhile.
const lockMs = 12_000;

let herald: TestHerald;
let deaf: TestHerald;
let admin: HeraldClient;

beforeAll(async () => {
  herald = await startHerald({
    env: { DATABASE_POOL_MAX: "4", FEED_READ_CONCURRENCY: "2", FEED_HEARTBEAT_INTERVAL_MS: "1000" },
  });
  // Same database, other NATS prefix: what it sends, `herald` never hears live,
  // so its streams fall behind and catch up from Postgres at the next tick.
  deaf = await startHerald({ db: herald.db, natsPrefix: uniquePrefix() });
  admin = connectClient(herald.url, await herald.apiKey(["admin"]));
});
afterAll(async () => {
  await deaf?.close();
  await herald?.close();
});

/** Opens one Connect stream per user and waits until every one has synced. */
async function openStreams(prefix: string) {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one signal ends every stream
  const users = Array.from({ length: streamsPerScenario }, (_, i) => `${prefix}-${i}`);
  const streams = await Promise.all(
    users.map(async (user) => {
      const client = connectClient(herald.url, await herald.userToken(user));
      return collect(client.subscribe({}, { signal: abort.signal }));
    }),
  );
  await Promise.all(streams.map((s) => s.atLeast(1, 60_000)));
  const created = (s: (typeof streams)[number]) =>
    s.items.filter((r) => (r.event as FeedEvent).kind.case === "created").length;
  return { abort, users, streams, created };
}

/**
 * Runs `work` while `table` is locked (queries on it wait), then holds the
 * lock until `lockMs` have passed; returns the fewest items any stream received
 * meanwhile (heartbeats included).
 */
async function whileLocked(table: string, streams: Array<{ items: unknown[] }>, work: () => Promise<void>) {
  const client = new pg.Client({ connectionString: herald.db.url });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  const started = Date.now();
  const before = streams.map((x) => x.items.length);
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lockMs - (Date.now() - started))));
    return Math.min(...streams.map((x, i) => x.items.length - (before[i] as number)));
  } finally {
    await client.query("COMMIT");
    await client.end();
  }
}

describe("a catch-up storm", () => {
  it("leaves connections for List and ends no stream while the catch-ups wait", async () => {
    const s = await openStreams("storm");
    const sender = connectClient(deaf.url, await deaf.apiKey(["send"]));
    await sender.send({ userIds: s.users, category: "storm", title: "unheard", body: "b" });
    // Every stream is behind now; their catch-up reads all wait on this lock.
    const itemsDuringLock = await whileLocked("feed_events", s.streams, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // a few ticks pile up catch-ups
      expect(herald.app.hub.size()).toBe(streamsPerScenario);
      // A legitimate List meanwhile is answered, not queued behind the catch-ups.
      const started = Date.now();
      const page = await admin.list({ userId: "storm-0" });
      expect(page.unreadCount).toBe(1);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
    expect(itemsDuringLock).toBeGreaterThan(0); // heartbeats went on
    await waitFor(() => s.streams.every((x) => s.created(x) === 1 || x.ended), 30_000, "catch-ups");
    expect(s.streams.filter((x) => x.ended).map((x) => String(x.error))).toEqual([]);
    expect(s.streams.map(s.created)).toEqual(s.users.map(() => 1));
    expect(herald.app.hub.size()).toBe(streamsPerScenario);
    s.abort.abort();
    await waitFor(() => herald.app.hub.size() === 0, 10_000, "streams to close");
  }, 90_000);

  it("keeps streams open, with heartbeats, when their catch-up finds no pooled connection in time", async () => {
    const s = await openStreams("starved");
    const sender = connectClient(deaf.url, await deaf.apiKey(["send"]));
    await sender.send({ userIds: s.users, category: "storm", title: "late", body: "b" });
    // Lists stuck on this lock hold every pooled connection for longer than the
    // pool's acquire timeout: feed reads meanwhile fail to get one.
    const stuck: Promise<unknown>[] = [];
    const itemsDuringLock = await whileLocked("notifications", s.streams, async () => {
      for (let i = 0; i < 6; i++) stuck.push(admin.list({ userId: `starved-${i}` }).catch((e: unknown) => e));
    });
    await Promise.all(stuck);
    expect(itemsDuringLock).toBeGreaterThan(0);
    await waitFor(() => s.streams.every((x) => s.created(x) === 1 || x.ended), 30_000, "catch-ups after the wait");
    expect(s.streams.filter((x) => x.ended).map((x) => String(x.error))).toEqual([]);
    expect(s.streams.map(s.created)).toEqual(s.users.map(() => 1));
    s.abort.abort();
    await waitFor(() => herald.app.hub.size() === 0, 10_000, "streams to close");
  }, 90_000);
});
