import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fanout, FanoutState } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import type { Queryable } from "../../src/store/database.js";
import { createWebhookEndpointStore } from "../../src/store/webhook-endpoint-store.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

// Tenants A and B in one Herald, with the same topic keys, user ids and
// endpoint ids to try: everything of the audience slice (TopicService,
// WebhookService, GetFanout / CancelFanout, the audience a fan-out plans)
// called with B's credentials neither reads, changes nor learns of A's rows.

type TopicClient = ReturnType<typeof serviceClient<typeof TopicService>>;
type WebhookClient = ReturnType<typeof serviceClient<typeof WebhookService>>;

interface Side {
  tenant: string;
  topics: TopicClient;
  reader: TopicClient;
  alice: TopicClient;
  webhooks: WebhookClient;
  notifications: HeraldClient;
}

let herald: TestHerald;
let a: Side;
let b: Side;

async function side(tenant: string): Promise<Side> {
  await herald.tenant(tenant);
  const admin = await herald.apiKey(["admin"], `${tenant}-admin`, tenant);
  return {
    tenant,
    topics: serviceClient(TopicService, herald.url, admin),
    reader: serviceClient(TopicService, herald.url, await herald.apiKey(["read"], `${tenant}-read`, tenant)),
    alice: serviceClient(TopicService, herald.url, await herald.userToken("alice", { tenant })),
    webhooks: serviceClient(WebhookService, herald.url, admin),
    notifications: connectClient(herald.url, admin),
  };
}

beforeAll(async () => {
  herald = await startHerald();
  a = await side("tenant-a");
  b = await side("tenant-b");
  // A's audience: topics "news" (self-service) and "secret", members alice, bob, carol.
  await a.topics.createTopic({ key: "news", name: "A news", selfService: true });
  await a.topics.createTopic({ key: "secret", name: "A secret", selfService: true });
  await a.topics.addSubscribers({ topicKey: "news", userIds: ["alice", "bob", "carol"] });
  await a.topics.addSubscribers({ topicKey: "secret", userIds: ["alice"] });
});
afterAll(() => herald.close());

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e).code,
  );
const keysOf = (r: { topics: { key: string }[] }) => r.topics.map((t) => t.key);
const membersOf = async (client: TopicClient, topicKey: string) =>
  (await client.listSubscribers({ topicKey })).subscribers.map((s) => s.userId);
const aNews = async () => a.topics.getTopic({ key: "news" }).then((r) => r.topic);

describe("TopicService across tenants", () => {
  it("B sees none of A's topics: Get, List, ListSubscribers, ListUserTopics", async () => {
    expect(await codeOf(b.topics.getTopic({ key: "secret" }))).toBe(Code.NotFound);
    expect(await codeOf(b.reader.getTopic({ key: "secret" }))).toBe(Code.NotFound);
    expect(await codeOf(b.alice.getTopic({ key: "secret" }))).toBe(Code.NotFound);
    expect(keysOf(await b.reader.listTopics({}))).not.toContain("secret");
    expect(keysOf(await b.alice.listTopics({}))).not.toContain("secret");
    expect(await codeOf(b.reader.listSubscribers({ topicKey: "secret" }))).toBe(Code.NotFound);
    expect((await b.reader.listUserTopics({ userId: "alice" })).topics).toEqual([]);
    expect((await b.alice.listUserTopics({ userId: "alice" })).topics).toEqual([]);
  });

  it("B's Update, Delete, AddSubscribers and RemoveSubscribers of A's topic are NOT_FOUND and change nothing", async () => {
    expect(await codeOf(b.topics.updateTopic({ key: "secret", name: "taken" }))).toBe(Code.NotFound);
    expect(await codeOf(b.topics.addSubscribers({ topicKey: "secret", userIds: ["mallory"] }))).toBe(Code.NotFound);
    expect(await codeOf(b.alice.addSubscribers({ topicKey: "secret" }))).toBe(Code.NotFound);
    expect(await codeOf(b.topics.removeSubscribers({ topicKey: "secret", userIds: ["alice"] }))).toBe(Code.NotFound);
    expect(await codeOf(b.alice.removeSubscribers({ topicKey: "secret" }))).toBe(Code.NotFound);
    expect(await codeOf(b.topics.deleteTopic({ key: "secret" }))).toBe(Code.NotFound);
    const { topic } = await a.topics.getTopic({ key: "secret" });
    expect(topic).toMatchObject({ name: "A secret", subscriberCount: 1n });
    expect(await membersOf(a.reader, "secret")).toEqual(["alice"]);
    const rows = await herald.db.query<{ tenant_id: string; user_id: string }>(
      "SELECT tenant_id, user_id FROM topic_subscribers WHERE topic_key = 'secret'",
    );
    expect(rows).toEqual([{ tenant_id: "tenant-a", user_id: "alice" }]);
  });

  it("the same key in B is a topic of its own: Create, Update, members and Delete leave A's alone", async () => {
    const created = await b.topics.createTopic({ key: "news", name: "B news", selfService: true });
    expect(created.topic).toMatchObject({ key: "news", name: "B news", subscriberCount: 0n });
    await b.topics.updateTopic({ key: "news", description: "of B" });
    expect(await b.topics.addSubscribers({ topicKey: "news", userIds: ["alice", "dave"] })).toMatchObject({
      addedCount: 2n,
      subscriberCount: 2n,
    });
    await b.topics.removeSubscribers({ topicKey: "news", userIds: ["carol"] });
    expect(await membersOf(b.reader, "news")).toEqual(["alice", "dave"]);
    expect(await membersOf(a.reader, "news")).toEqual(["alice", "bob", "carol"]);
    expect(await aNews()).toMatchObject({ name: "A news", description: "", subscriberCount: 3n });

    await b.topics.createTopic({ key: "gone" });
    await a.topics.createTopic({ key: "gone" });
    await a.topics.addSubscribers({ topicKey: "gone", userIds: ["bob"] });
    await b.topics.deleteTopic({ key: "gone" });
    expect(await membersOf(a.reader, "gone")).toEqual(["bob"]);
    expect(await codeOf(b.topics.getTopic({ key: "gone" }))).toBe(Code.NotFound);
  });

  it("a user token of B's alice lists and joins B's topics only", async () => {
    expect(keysOf(await b.alice.listTopics({}))).toEqual(["news"]);
    expect(keysOf(await b.alice.listUserTopics({ userId: "alice" }))).toEqual(["news"]);
    expect(keysOf(await a.alice.listUserTopics({ userId: "alice" }))).toEqual(["news", "secret"]);
    await b.alice.removeSubscribers({ topicKey: "news" });
    expect(await membersOf(a.reader, "news")).toContain("alice");
    await b.alice.addSubscribers({ topicKey: "news" });
    expect(await aNews()).toMatchObject({ subscriberCount: 3n });
  });

  it("TOPICS_MAX counts each tenant's topics alone", async () => {
    const small = await startHerald({ env: { TOPICS_MAX: "2" } });
    try {
      for (const tenant of ["lim-a", "lim-b"]) {
        await small.tenant(tenant);
        const client = serviceClient(TopicService, small.url, await small.apiKey(["admin"], tenant, tenant));
        await client.createTopic({ key: "one" });
        await client.createTopic({ key: "two" });
        expect(await codeOf(client.createTopic({ key: "three" }))).toBe(Code.ResourceExhausted);
      }
    } finally {
      await small.close();
    }
  });
});

describe("WebhookService across tenants", () => {
  it("B neither sees nor changes A's endpoints, and A never sees B's", async () => {
    const { endpoint } = await a.webhooks.createWebhookEndpoint({ url: "http://127.0.0.1:9/a", description: "A" });
    const id = endpoint?.id as string;
    const ofB = await b.webhooks.createWebhookEndpoint({ url: "http://127.0.0.1:9/b", description: "B" });
    expect(await codeOf(b.webhooks.getWebhookEndpoint({ id }))).toBe(Code.NotFound);
    expect(await codeOf(b.webhooks.updateWebhookEndpoint({ id, description: "mine", enabled: false }))).toBe(
      Code.NotFound,
    );
    expect(await codeOf(b.webhooks.rotateWebhookSecret({ id }))).toBe(Code.NotFound);
    expect(await codeOf(b.webhooks.listWebhookAttempts({ endpointId: id }))).toBe(Code.NotFound);
    const since = timestampFromMs(Date.now() - 60_000);
    expect(await codeOf(b.webhooks.replayWebhookEvents({ endpointId: id, since }))).toBe(Code.NotFound);
    expect(await codeOf(b.webhooks.deleteWebhookEndpoint({ id }))).toBe(Code.NotFound);
    expect((await b.webhooks.listWebhookEndpoints({})).endpoints.map((e) => e.id)).toEqual([ofB.endpoint?.id]);
    expect((await a.webhooks.listWebhookEndpoints({})).endpoints.map((e) => e.id)).toEqual([id]);
    expect(await codeOf(a.webhooks.getWebhookEndpoint({ id: ofB.endpoint?.id as string }))).toBe(Code.NotFound);
    const [row] = await herald.db.query<{ description: string; enabled: boolean; previous_secret: string | null }>(
      "SELECT description, enabled, previous_secret FROM webhook_endpoints WHERE id = $1",
      [id],
    );
    expect(row).toEqual({ description: "A", enabled: true, previous_secret: null });
    expect((await a.webhooks.getWebhookEndpoint({ id })).endpoint).toMatchObject({ description: "A", enabled: true });
  });

  it("the enabled endpoints a Send picks from are the tenant's, each tenant with its own cached answer", async () => {
    const q: Queryable = {
      rows: <T extends object>(sql: string, values?: readonly unknown[]) =>
        herald.db.query<T>(sql, values === undefined ? undefined : [...values]),
      exec: async () => 0,
    };
    const store = createWebhookEndpointStore({ cacheMs: 60_000 });
    const idsOf = async (side: Side) => (await side.webhooks.listWebhookEndpoints({})).endpoints.map((e) => e.id);
    const ofA = await idsOf(a);
    const ofB = await idsOf(b);
    expect(ofA.length).toBeGreaterThan(0);
    expect((await store.enabled(q, "tenant-a")).map((e) => e.id)).toEqual(ofA);
    // Asked right after A, within the cache's minute: B's own answer, not A's.
    expect((await store.enabled(q, "tenant-b")).map((e) => e.id)).toEqual(ofB);
    expect((await store.enabled(q, "tenant-a")).map((e) => e.id)).toEqual(ofA);
  });

  it("a Send in B never delivers to A's endpoints", async () => {
    const { endpoint } = await a.webhooks.createWebhookEndpoint({ url: "http://127.0.0.1:9/only-a" });
    await b.notifications.send({ userIds: ["alice"], category: "iso.hook", title: "t", body: "b", channels: [] });
    const targets = await herald.db.query<{ tenant_id: string; target: string }>(
      `SELECT d.tenant_id, d.target FROM deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE n.category = 'iso.hook'`,
    );
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.map((t) => t.target)).not.toContain(endpoint?.id);
    expect(new Set(targets.map((t) => t.tenant_id))).toEqual(new Set(["tenant-b"]));
  });
});

/** A fan-out once planned (its chunks' recipients all counted). */
async function planned(client: HeraldClient, id: string): Promise<Fanout> {
  return waitFor(
    async () => {
      const { fanout } = await client.getFanout({ id });
      return fanout !== undefined && fanout.state !== FanoutState.PLANNING ? fanout : undefined;
    },
    30_000,
    `fan-out ${id} to be planned`,
    100,
  );
}

describe("fan-outs across tenants", () => {
  it("GetFanout and CancelFanout of A's fan-out are NOT_FOUND to B, and leave it alone", async () => {
    const { fanoutId } = await a.notifications.send({ topics: ["news"], category: "iso.get", title: "t", body: "b" });
    expect(await codeOf(b.notifications.getFanout({ id: fanoutId }))).toBe(Code.NotFound);
    expect(await codeOf(b.notifications.cancelFanout({ id: fanoutId }))).toBe(Code.NotFound);
    const { fanout } = await a.notifications.getFanout({ id: fanoutId });
    expect(fanout?.state).not.toBe(FanoutState.CANCELED);
    const [row] = await herald.db.query<{ tenant_id: string; state: string }>(
      "SELECT tenant_id, state FROM fanouts WHERE id = $1",
      [fanoutId],
    );
    expect(row?.tenant_id).toBe("tenant-a");
    expect(row?.state).not.toBe("canceled");
  });

  it("a Send to B's topic plans B's members only; a broadcast in B plans B's recipients only", async () => {
    // B's "news": alice and dave (created above); A's: alice, bob, carol.
    const toTopic = await b.notifications.send({ topics: ["news"], category: "iso.plan", title: "t", body: "b" });
    expect((await planned(b.notifications, toTopic.fanoutId)).planned).toBe(2n);

    await herald.db.query(
      `INSERT INTO recipients (tenant_id, user_id) VALUES
         ('tenant-a', 'bc-1'), ('tenant-a', 'bc-2'), ('tenant-a', 'bc-3'), ('tenant-b', 'bc-1')`,
    );
    const before = await herald.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM recipients WHERE tenant_id = 'tenant-b'",
    );
    const broadcast = await b.notifications.send({ broadcast: true, category: "iso.all", title: "t", body: "b" });
    expect((await planned(b.notifications, broadcast.fanoutId)).planned).toBe(BigInt(before[0]?.n ?? -1));
    const [row] = await herald.db.query<{ tenant_id: string }>("SELECT tenant_id FROM fanouts WHERE id = $1", [
      broadcast.fanoutId,
    ]);
    expect(row?.tenant_id).toBe("tenant-b");
  });

  it("a Send to topic news in B reaches B's members only, as B's notifications", async () => {
    const { fanoutId } = await b.notifications.send({ topics: ["news"], category: "iso.reach", title: "t", body: "b" });
    await waitFor(
      async () => {
        const { fanout } = await b.notifications.getFanout({ id: fanoutId });
        return fanout?.state === FanoutState.DONE ? fanout : undefined;
      },
      60_000,
      "the fan-out to finish",
      100,
    );
    const rows = await herald.db.query<{ tenant_id: string; user_id: string }>(
      "SELECT tenant_id, user_id FROM notifications WHERE category = 'iso.reach' ORDER BY user_id",
    );
    expect(rows).toEqual([
      { tenant_id: "tenant-b", user_id: "alice" },
      { tenant_id: "tenant-b", user_id: "dave" },
    ]);
  });

  it("a broadcast in B reaches B's recipients only, as B's notifications", async () => {
    await herald.db.query(
      "INSERT INTO recipients (tenant_id, user_id) VALUES ('tenant-a', 'only-a') ON CONFLICT DO NOTHING",
    );
    const { fanoutId } = await b.notifications.send({ broadcast: true, category: "iso.every", title: "t", body: "b" });
    await waitFor(
      async () => {
        const { fanout } = await b.notifications.getFanout({ id: fanoutId });
        return fanout?.state === FanoutState.DONE ? fanout : undefined;
      },
      60_000,
      "the broadcast to finish",
      100,
    );
    const rows = await herald.db.query<{ tenant_id: string; user_id: string }>(
      "SELECT tenant_id, user_id FROM notifications WHERE category = 'iso.every'",
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set(["tenant-b"]));
    expect(rows.map((r) => r.user_id)).not.toContain("only-a");
  });
});
