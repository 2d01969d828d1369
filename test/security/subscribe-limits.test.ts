// Issue 9, items 6 and 2 (Subscribe's part): how many Subscribe streams a user
// and a process may hold, and Subscribe opens shed, not queued without bound,
// when the live feed's reads back up.
import { setMaxListeners } from "node:events";
import { createRequire } from "node:module";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

const pg = createRequire(import.meta.url)("pg") as typeof import("pg");

/**
 * Opens a stream that ends with `signal` or `close()`; `settled` resolves with
 * "synced" (after any replay) or the error's code and message.
 */
function open(client: HeraldClient, signal: AbortSignal, cursor = "") {
  const own = new AbortController();
  const stream = collect(client.subscribe({ cursor }, { signal: AbortSignal.any([signal, own.signal]) }));
  const settled = (async (): Promise<{ code: Code | "synced"; message: string }> => {
    const synced = () => stream.items.some((r) => (r.event as FeedEvent).kind.case === "synced");
    await waitFor(() => synced() || stream.ended, 60_000, "synced or an error");
    if (synced()) return { code: "synced", message: "" };
    const error = ConnectError.from(stream.error);
    return { code: error.code, message: error.rawMessage };
  })();
  return { stream, settled, close: () => own.abort() };
}

function controller() {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  return abort;
}

describe("Subscribe streams per user and per process", () => {
  let herald: TestHerald;
  beforeAll(async () => {
    herald = await startHerald({ env: { FEED_MAX_STREAMS: "50" } });
  });
  afterAll(() => herald?.close());

  it("lets one user token hold FEED_MAX_STREAMS_PER_USER streams (default 32), over every protocol together", async () => {
    const token = await herald.userToken("hoarder");
    const abort = controller();
    const first = Array.from({ length: 32 }, (_, i) =>
      open(connectClient(herald.url, token, i % 2 === 0 ? "connect" : "grpc"), abort.signal),
    );
    expect((await Promise.all(first.map((s) => s.settled))).every((r) => r.code === "synced")).toBe(true);
    expect(herald.app.hub.size("hoarder")).toBe(32);

    for (const protocol of ["connect", "grpc", "grpc-web"] as const) {
      const refused = await open(connectClient(herald.url, token, protocol), abort.signal).settled;
      expect(refused.code, protocol).toBe(Code.ResourceExhausted);
      expect(refused.message).toContain("FEED_MAX_STREAMS_PER_USER");
    }
    // An independent gRPC implementation hears the same.
    const grpcJs = grpcJsClient(herald.port, token);
    const call = grpcJs.subscribe({});
    const status = await new Promise<{ code: number; details: string }>((resolve) => call.on("error", resolve));
    expect(status.code).toBe(Code.ResourceExhausted);
    expect(status.details).toContain("FEED_MAX_STREAMS_PER_USER");
    grpcJs.close();

    // Other users are not affected; a stream that closes frees its place.
    const other = open(connectClient(herald.url, await herald.userToken("neighbour")), abort.signal);
    expect((await other.settled).code).toBe("synced");
    const leaving = controller();
    const last = open(connectClient(herald.url, token), leaving.signal);
    expect((await last.settled).code).toBe(Code.ResourceExhausted);
    first[0]?.close();
    await waitFor(() => herald.app.hub.size("hoarder") === 31, 10_000, "one stream to close");
    const again = open(connectClient(herald.url, token), abort.signal);
    expect((await again.settled).code).toBe("synced");
    abort.abort();
    await waitFor(() => herald.app.hub.size() === 0, 10_000, "streams to close");
  });

  it("holds at most FEED_MAX_STREAMS streams in one process", async () => {
    const abort = controller();
    const streams = await Promise.all(
      Array.from({ length: 50 }, async (_, i) =>
        open(connectClient(herald.url, await herald.userToken(`many-${i}`)), abort.signal),
      ),
    );
    expect((await Promise.all(streams.map((s) => s.settled))).every((r) => r.code === "synced")).toBe(true);
    const refused = await open(connectClient(herald.url, await herald.userToken("one-too-many")), abort.signal).settled;
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.message).toContain("FEED_MAX_STREAMS");
    abort.abort();
    await waitFor(() => herald.app.hub.size() === 0, 10_000, "streams to close");
  });
});

describe("Subscribe opens under pressure", () => {
  let herald: TestHerald;
  beforeAll(async () => {
    herald = await startHerald({
      env: {
        DATABASE_POOL_MAX: "4",
        FEED_READ_CONCURRENCY: "1",
        FEED_READ_QUEUE_MAX: "3",
        // No heartbeat read joins the queue during the test.
        FEED_HEARTBEAT_INTERVAL_MS: "300000",
      },
    });
  });
  afterAll(() => herald?.close());

  async function readsWaiting(): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith("herald_feed_reads_waiting "));
    return Number(line?.split(" ")[1]);
  }

  it("fails new Subscribes fast with Unavailable when feed reads back up, and ends no open stream", async () => {
    const admin = connectClient(herald.url, await herald.apiKey(["admin"]));
    await admin.send({ userIds: ["replayer", "steady"], category: "c", title: "t", body: "b" });
    const abort = controller();
    const steady = open(connectClient(herald.url, await herald.userToken("steady")), abort.signal);
    expect((await steady.settled).code).toBe("synced");

    // While this lock is held, reads of feed events wait: a stream replaying
    // from a cursor takes the one read slot and keeps it.
    const lock = new pg.Client({ connectionString: herald.db.url });
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query("LOCK TABLE feed_events IN ACCESS EXCLUSIVE MODE");
    const outcomes: Array<Promise<{ code: Code | "synced"; message: string }>> = [];
    try {
      const replayer = open(connectClient(herald.url, await herald.userToken("replayer")), abort.signal, "0");
      outcomes.push(replayer.settled);
      await waitFor(
        async () =>
          (
            await herald.db.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
          )[0]?.n === 1,
        10_000,
        "the replay to wait on the lock",
      );
      // Three opens may wait for the slot (FEED_READ_QUEUE_MAX=3)...
      for (let i = 0; i < 3; i++) {
        const s = open(connectClient(herald.url, await herald.userToken(`waiting-${i}`)), abort.signal);
        outcomes.push(s.settled);
        await waitFor(async () => (await readsWaiting()) === i + 1, 10_000, `${i + 1} waiting reads`);
      }
      // ...the next ones are refused at once, while the lock still holds.
      for (let i = 0; i < 5; i++) {
        const shed = await open(connectClient(herald.url, await herald.userToken(`shed-${i}`)), abort.signal).settled;
        expect(shed.code).toBe(Code.Unavailable);
        expect(shed.message).toMatch(/FEED_READ_QUEUE_MAX/);
      }
      // Open streams stay, and the database still answers other calls.
      expect(steady.stream.ended).toBe(false);
      expect((await admin.list({ userId: "steady" })).unreadCount).toBe(1);
    } finally {
      await lock.query("COMMIT");
      await lock.end();
    }
    // Once reads flow again, the admitted opens complete.
    expect((await Promise.all(outcomes)).map((o) => o.code)).toEqual(["synced", "synced", "synced", "synced"]);
    expect(await readsWaiting()).toBe(0);
    expect(steady.stream.ended).toBe(false);
    abort.abort();
    await waitFor(() => herald.app.hub.size() === 0, 10_000, "streams to close");
  }, 60_000);
});
