import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fanout, FanoutState } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, rejection, waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let sender: HeraldClient;
let admin: HeraldClient;
let topics: ReturnType<typeof serviceClient<typeof TopicService>>;

beforeAll(async () => {
  // Small chunks and rounds, so a few thousand members make many of each.
  herald = await startHerald({ env: { FANOUT_CHUNK_SIZE: "100", FANOUT_CHUNKS_PER_ROUND: "3" } });
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
  admin = connectClient(herald.url, await herald.apiKey(["admin"]));
  topics = serviceClient(TopicService, herald.url, await herald.apiKey(["admin"]));
});
afterAll(() => herald.close());

const ids = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${String(from + i).padStart(5, "0")}`);

async function settled(client: HeraldClient, id: string): Promise<Fanout> {
  return waitFor(
    async () => {
      const { fanout } = await client.getFanout({ id });
      return fanout !== undefined && fanout.state >= FanoutState.DONE ? fanout : undefined;
    },
    60_000,
    `fan-out ${id} to finish`,
    100,
  );
}

/** Notifications per user of a category: user id -> count. */
async function countsOf(category: string): Promise<Map<string, number>> {
  const rows = await herald.db.query<{ user_id: string; n: string }>(
    "SELECT user_id, count(*) AS n FROM notifications WHERE category = $1 GROUP BY user_id",
    [category],
  );
  return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
}

describe("Send to topics", () => {
  it("reaches every member once, across overlapping topics and user_ids, less the excluded", async () => {
    await topics.createTopic({ key: "fo.project" });
    await topics.createTopic({ key: "fo.team" });
    await topics.addSubscribers({ topicKey: "fo.project", userIds: ids("fo-", 0, 2500) });
    await topics.addSubscribers({ topicKey: "fo.team", userIds: ids("fo-", 2000, 3000) });
    // A sample of members watching their live feeds.
    const watchers = await Promise.all(
      ["fo-00000", "fo-02100", "fo-solo"].map(async (userId) => {
        const abort = new AbortController();
        const client = connectClient(herald.url, await herald.userToken(userId));
        const stream = collect(client.subscribe({}, { signal: abort.signal }));
        await stream.atLeast(1);
        return { abort, stream };
      }),
    );
    const res = await sender.send({
      topics: ["fo.project", "fo.team"],
      userIds: ["fo-00010", "fo-solo"],
      excludeUserIds: ["fo-00001", "fo-02999"],
      category: "fanout.basic",
      title: "New comment",
      body: "b",
    });
    expect(res.notifications).toHaveLength(0);
    expect(res.fanoutId).toMatch(/^[0-9a-f-]{36}$/);
    const fanout = await settled(sender, res.fanoutId);
    const expected = new Set([...ids("fo-", 0, 3000), "fo-solo"]);
    expected.delete("fo-00001");
    expected.delete("fo-02999");
    expect(fanout).toMatchObject({ state: FanoutState.DONE, topics: ["fo.project", "fo.team"], broadcast: false });
    expect(Number(fanout.planned)).toBe(expected.size);
    expect(Number(fanout.written)).toBe(expected.size);
    expect(Number(fanout.failed)).toBe(0);
    const counts = await countsOf("fanout.basic");
    expect(counts.size).toBe(expected.size);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.has("fo-00001")).toBe(false);
    expect(counts.has("fo-solo")).toBe(true);
    for (const w of watchers) {
      await waitFor(() => w.stream.items.some((r) => r.event?.kind.case === "created"), 10_000, "a created event");
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const w of watchers) {
      expect(w.stream.items.filter((r) => r.event?.kind.case === "created")).toHaveLength(1);
      w.abort.abort();
    }
    // The inbox holds it like any Send's notification.
    const inbox = await admin.list({ userId: "fo-02500" });
    expect(inbox.notifications.map((n) => n.title)).toContain("New comment");
  });

  it("reads the audience as of Send: later members are not reached, later removals still are", async () => {
    await topics.createTopic({ key: "fo.snap" });
    await topics.addSubscribers({ topicKey: "fo.snap", userIds: ids("snap-", 0, 1000) });
    const res = await sender.send({ topics: ["fo.snap"], category: "fanout.snap", title: "t", body: "b" });
    await topics.addSubscribers({ topicKey: "fo.snap", userIds: ids("snap-", 1000, 1200) });
    await topics.removeSubscribers({ topicKey: "fo.snap", userIds: ids("snap-", 900, 1000) });
    expect(Number((await settled(sender, res.fanoutId)).written)).toBe(1000);
    const counts = await countsOf("fanout.snap");
    expect(counts.size).toBe(1000);
    expect(counts.has("snap-00950")).toBe(true);
    expect(counts.has("snap-01100")).toBe(false);
  });

  it("refuses what it cannot send before starting: unknown topic, exclusions without an audience, broadcast without admin", async () => {
    const unknown = ConnectError.from(
      await rejection(sender.send({ topics: ["fo.nope"], category: "x", title: "t", body: "b" })),
    );
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toMatch(/topics\[0\].*fo\.nope/);
    const exclusions = ConnectError.from(
      await rejection(sender.send({ userIds: ["u"], excludeUserIds: ["v"], category: "x", title: "t", body: "b" })),
    );
    expect(exclusions.code).toBe(Code.InvalidArgument);
    expect(exclusions.rawMessage).toMatch(/exclude_user_ids/);
    const nobody = ConnectError.from(await rejection(sender.send({ category: "x", title: "t", body: "b" })));
    expect(nobody.code).toBe(Code.InvalidArgument);
    expect(nobody.rawMessage).toMatch(/^user_ids: /);
    const both = ConnectError.from(
      await rejection(admin.send({ broadcast: true, topics: ["fo.project"], category: "x", title: "t", body: "b" })),
    );
    expect(both.rawMessage).toMatch(/^broadcast: /);
    const broadcast = ConnectError.from(
      await rejection(sender.send({ broadcast: true, category: "x", title: "t", body: "b" })),
    );
    expect(broadcast.code).toBe(Code.PermissionDenied);
    const [row] = await herald.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM fanouts WHERE request->>'category' = 'x'",
    );
    expect(Number(row?.n)).toBe(0);
  });

  it("keeps a fan-out's idempotency key: a repeat returns the same fan-out, a different request ALREADY_EXISTS", async () => {
    await topics.createTopic({ key: "fo.idem" });
    await topics.addSubscribers({ topicKey: "fo.idem", userIds: ids("idem-", 0, 50) });
    const request = { topics: ["fo.idem"], category: "fanout.idem", title: "t", body: "b", idempotencyKey: "fo-key" };
    const first = await sender.send(request);
    const again = await sender.send(request);
    expect(again.fanoutId).toBe(first.fanoutId);
    const other = ConnectError.from(await rejection(sender.send({ ...request, title: "other" })));
    expect(other.code).toBe(Code.AlreadyExists);
    await settled(sender, first.fanoutId);
    expect((await countsOf("fanout.idem")).size).toBe(50);
  });

  it("shows a key only its own fan-outs unless it may read any; cancels stop what is not written", async () => {
    await topics.createTopic({ key: "fo.cancel" });
    for (let i = 0; i < 3; i++)
      await topics.addSubscribers({ topicKey: "fo.cancel", userIds: ids(`cx${i}-`, 0, 10_000) });
    const res = await sender.send({ topics: ["fo.cancel"], category: "fanout.cancel", title: "t", body: "b" });
    const other = connectClient(herald.url, await herald.apiKey(["send"]));
    expect(ConnectError.from(await rejection(other.getFanout({ id: res.fanoutId }))).code).toBe(Code.NotFound);
    expect(ConnectError.from(await rejection(other.cancelFanout({ id: res.fanoutId }))).code).toBe(Code.NotFound);
    const reader = connectClient(herald.url, await herald.apiKey(["read"]));
    expect((await reader.getFanout({ id: res.fanoutId })).fanout?.id).toBe(res.fanoutId);
    const { fanout } = await sender.cancelFanout({ id: res.fanoutId });
    expect(fanout?.state).toBe(FanoutState.CANCELED);
    // Chunks being written when it was canceled finish; nothing else is written after.
    await new Promise((r) => setTimeout(r, 2000));
    const final = (await sender.getFanout({ id: res.fanoutId })).fanout as Fanout;
    const written = [...(await countsOf("fanout.cancel")).values()].reduce((a, b) => a + b, 0);
    expect(Number(final.written)).toBe(written);
    expect(written).toBeLessThan(30_000);
    expect(Number(final.written) + Number(final.canceled)).toBe(Number(final.planned));
  });
});

describe("Fan-outs running together", () => {
  it("take turns: a small one started after a big one finishes long before it", async () => {
    await topics.createTopic({ key: "fo.big" });
    await topics.createTopic({ key: "fo.small" });
    for (let i = 0; i < 2; i++)
      await topics.addSubscribers({ topicKey: "fo.big", userIds: ids(`big${i}-`, 0, 10_000) });
    await topics.addSubscribers({ topicKey: "fo.small", userIds: ids("small-", 0, 50) });
    const big = await sender.send({ topics: ["fo.big"], category: "fanout.big", title: "t", body: "b" });
    await waitFor(async () => (await countsOf("fanout.big")).size > 0, 30_000, "the big fan-out's first chunks");
    const small = await sender.send({ topics: ["fo.small"], category: "fanout.small", title: "t", body: "b" });
    await settled(sender, small.fanoutId);
    const bigNow = (await sender.getFanout({ id: big.fanoutId })).fanout as Fanout;
    // 200 chunks of 100 against 1: the small one waited for a few of the big one's, not all.
    expect(bigNow.state).not.toBe(FanoutState.DONE);
    expect(Number(bigNow.written)).toBeLessThan(15_000);
    await settled(sender, big.fanoutId);
    expect((await countsOf("fanout.big")).size).toBe(20_000);
  });
});

describe("FANOUTS_IN_FLIGHT_PER_KEY", () => {
  it("refuses a sender's next fan-out while it has that many under way, new idempotency key or not; a repeat is answered", async () => {
    const limited = await startHerald({
      env: { FANOUTS_IN_FLIGHT_PER_KEY: "1", FANOUT_CHUNK_SIZE: "50", FANOUT_CHUNKS_IN_FLIGHT: "1" },
    });
    try {
      const key = await limited.apiKey(["admin"]);
      const client = connectClient(limited.url, key);
      const topicClient = serviceClient(TopicService, limited.url, key);
      await topicClient.createTopic({ key: "lim" });
      await topicClient.addSubscribers({ topicKey: "lim", userIds: ids("lim-", 0, 10_000) });
      const request = { topics: ["lim"], category: "fanout.limit", title: "t", body: "b", idempotencyKey: "lim-1" };
      const first = await client.send(request);
      const refused = ConnectError.from(await rejection(client.send({ ...request, idempotencyKey: "lim-2" })));
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(refused.rawMessage).toMatch(/FANOUTS_IN_FLIGHT_PER_KEY/);
      expect((await client.send(request)).fanoutId).toBe(first.fanoutId);
      await client.cancelFanout({ id: first.fanoutId });
      expect((await client.send({ ...request, idempotencyKey: "lim-3" })).fanoutId).not.toBe(first.fanoutId);
    } finally {
      await limited.close();
    }
  });
});

describe("FANOUTS_IN_FLIGHT_PER_TENANT", () => {
  it("counts every key of a tenant; another tenant starts its own meanwhile", async () => {
    const limited = await startHerald({
      env: { FANOUTS_IN_FLIGHT_PER_TENANT: "1", FANOUT_CHUNK_SIZE: "50", FANOUT_CHUNKS_IN_FLIGHT: "1" },
    });
    try {
      await limited.tenant("acme");
      await limited.tenant("globex");
      const start = async (tenant: string) => {
        const admin = await limited.apiKey(["admin"], "topics", tenant);
        const topicClient = serviceClient(TopicService, limited.url, admin);
        await topicClient.createTopic({ key: "lim" });
        await topicClient.addSubscribers({ topicKey: "lim", userIds: ids("lim-", 0, 10_000) });
        return [
          connectClient(limited.url, await limited.apiKey(["send"], "one", tenant)),
          connectClient(limited.url, await limited.apiKey(["send"], "two", tenant)),
        ] as const;
      };
      const [acme1, acme2] = await start("acme");
      const [globex] = await start("globex");
      const request = { topics: ["lim"], category: "fanout.tenant-limit", title: "t", body: "b" };
      const first = await acme1.send(request);
      // Another key of the same tenant: the tenant's limit, not the key's.
      const refused = ConnectError.from(await rejection(acme2.send(request)));
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(refused.rawMessage).toMatch(/this tenant already has 1 fan-outs planning or running/);
      expect((await globex.send(request)).fanoutId).not.toBe("");
      await acme1.cancelFanout({ id: first.fanoutId });
      expect((await acme2.send(request)).fanoutId).not.toBe("");
    } finally {
      await limited.close();
    }
  });
});

describe("Broadcast", () => {
  it("reaches every recipient that existed at Send, once", async () => {
    const recipients = serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"]));
    for (const id of ids("bc-", 0, 30)) await recipients.upsertRecipient({ userId: id, email: `${id}@example.com` });
    const [before] = await herald.db.query<{ n: string }>("SELECT count(*) AS n FROM recipients");
    const res = await admin.send({
      broadcast: true,
      category: "fanout.broadcast",
      title: "All hands",
      body: "b",
      channels: [],
    });
    const fanout = await settled(admin, res.fanoutId);
    expect(fanout.broadcast).toBe(true);
    expect(Number(fanout.written)).toBe(Number(before?.n));
    const counts = await countsOf("fanout.broadcast");
    expect(counts.size).toBe(Number(before?.n));
    expect(counts.get("bc-00029")).toBe(1);
  });
});
