import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, testEnv, uniquePrefix } from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { collect, waitFor } from "../helpers/wait.js";

const prefix = uniquePrefix();
let a: TestHerald;
let b: HeraldProcess;
let sendKey: string;

beforeAll(async () => {
  a = await startHerald({ natsPrefix: prefix });
  sendKey = await a.apiKey(["send"]);
  b = await spawnHerald(testEnv(a.db, prefix));
});
afterAll(async () => {
  await b?.stop();
  await a?.close();
});

const created = (items: Array<{ event?: FeedEvent }>) =>
  items.flatMap((r) => (r.event?.kind.case === "created" ? [r.event.kind.value.notification?.title] : []));

describe("two Herald processes on one Postgres and NATS", () => {
  it("a Send to one reaches a stream held by the other, both ways", async () => {
    const token = await a.userToken("roamer");
    const onB = collect(connectClient(b.url, token).subscribe({}));
    const onA = collect(connectClient(a.url, token, "grpc").subscribe({}));
    await Promise.all([onB.atLeast(1), onA.atLeast(1)]);
    await connectClient(a.url, sendKey).send({ userIds: ["roamer"], category: "x", title: "from A", body: "b" });
    await connectClient(b.url, sendKey).send({ userIds: ["roamer"], category: "x", title: "from B", body: "b" });
    await waitFor(
      () => created(onB.items).length === 2 && created(onA.items).length === 2,
      5000,
      "both events on both streams",
    );
    expect(created(onB.items)).toEqual(["from A", "from B"]);
    expect(created(onA.items)).toEqual(["from A", "from B"]);
  });

  it("a stream resumed on the other process replays what it missed", async () => {
    const token = await a.userToken("mover");
    const abort = new AbortController();
    const first = collect(connectClient(a.url, token).subscribe({}, { signal: abort.signal }));
    await first.atLeast(1);
    const cursor = first.items[0]?.event?.cursor as string;
    abort.abort();
    await connectClient(a.url, sendKey).send({ userIds: ["mover"], category: "x", title: "missed", body: "b" });
    const resumed = collect(connectClient(b.url, token).subscribe({ cursor }));
    await resumed.atLeast(2);
    expect(created(resumed.items)).toEqual(["missed"]);
    expect(resumed.items[1]?.event?.kind.case).toBe("synced");
  });

  it("SIGTERM ends the other process's streams with Unavailable and it exits cleanly", async () => {
    const c = await spawnHerald(testEnv(a.db, prefix));
    const stream = collect(connectClient(c.url, await a.userToken("leaving")).subscribe({}));
    // A freshly spawned process on a busy machine: generous, since only the order matters here.
    await stream.atLeast(1, 30_000);
    expect(await c.stop("SIGTERM")).toBe(0);
    await stream.done;
    expect(ConnectError.from(stream.error).code).toBe(Code.Unavailable);
  });
});
