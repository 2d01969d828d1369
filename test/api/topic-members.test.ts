import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

type TopicClient = ReturnType<typeof serviceClient<typeof TopicService>>;

let herald: TestHerald;
let admin: TopicClient;
let reader: TopicClient;
let sender: TopicClient;
let ursula: TopicClient;

beforeAll(async () => {
  herald = await startHerald();
  admin = serviceClient(TopicService, herald.url, await herald.apiKey(["admin"]));
  reader = serviceClient(TopicService, herald.url, await herald.apiKey(["read"]));
  sender = serviceClient(TopicService, herald.url, await herald.apiKey(["send"]));
  ursula = serviceClient(TopicService, herald.url, await herald.userToken("ursula"));
  await admin.createTopic({ key: "open", selfService: true });
  await admin.createTopic({ key: "closed" });
});
afterAll(() => herald.close());

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );
const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
const count = async (key: string) => (await admin.getTopic({ key })).topic?.subscriberCount;

describe("TopicService: members", () => {
  it("adds and removes in batches, idempotently, with exact counts", async () => {
    await admin.createTopic({ key: "batches" });
    expect(await admin.addSubscribers({ topicKey: "batches", userIds: ids("b", 10_000) })).toMatchObject({
      addedCount: 10_000n,
      subscriberCount: 10_000n,
    });
    expect(await admin.addSubscribers({ topicKey: "batches", userIds: ["b00000", "new"] })).toMatchObject({
      addedCount: 1n,
      subscriberCount: 10_001n,
    });
    expect(await admin.removeSubscribers({ topicKey: "batches", userIds: ["b00000", "nobody"] })).toMatchObject({
      removedCount: 1n,
      subscriberCount: 10_000n,
    });
    expect(await count("batches")).toBe(10_000n);
  });

  it("refuses 10,001 ids, duplicates, bad ids and an empty list from a key, naming user_ids", async () => {
    for (const userIds of [ids("x", 10_001), ["a", "a"], ["sp ace"], ["x".repeat(129)], []]) {
      for (const call of [admin.addSubscribers, admin.removeSubscribers]) {
        const err = await errorOf(call({ topicKey: "open", userIds }));
        expect(err?.code).toBe(Code.InvalidArgument);
        expect(err?.rawMessage, err?.rawMessage).toMatch(/^user_ids/);
      }
    }
    expect(await count("open")).toBe(0n);
  });

  it("answers NOT_FOUND for an unknown topic", async () => {
    for (const call of [
      () => admin.addSubscribers({ topicKey: "no-such", userIds: ["a"] }),
      () => admin.removeSubscribers({ topicKey: "no-such", userIds: ["a"] }),
      () => admin.listSubscribers({ topicKey: "no-such" }),
      () => ursula.addSubscribers({ topicKey: "no-such" }),
    ]) {
      const err = await errorOf(call());
      expect(err?.code).toBe(Code.NotFound);
      expect(err?.rawMessage).toContain('"no-such"');
    }
  });

  it("lets a user token join and leave only self-service topics, only itself", async () => {
    expect(await ursula.addSubscribers({ topicKey: "open" })).toMatchObject({ addedCount: 1n, subscriberCount: 1n });
    expect(await ursula.addSubscribers({ topicKey: "open", userIds: ["ursula"] })).toMatchObject({ addedCount: 0n });
    const other = await errorOf(ursula.addSubscribers({ topicKey: "open", userIds: ["victor"] }));
    expect(other?.code).toBe(Code.PermissionDenied);
    expect(other?.rawMessage).toContain("its own user");
    expect((await errorOf(ursula.addSubscribers({ topicKey: "open", userIds: ["ursula", "victor"] })))?.code).toBe(
      Code.PermissionDenied,
    );
    const closed = await errorOf(ursula.addSubscribers({ topicKey: "closed" }));
    expect(closed?.code).toBe(Code.PermissionDenied);
    expect(closed?.rawMessage).toContain("not self-service");
    expect((await errorOf(ursula.removeSubscribers({ topicKey: "closed" })))?.code).toBe(Code.PermissionDenied);
    expect((await errorOf(ursula.removeSubscribers({ topicKey: "open", userIds: ["victor"] })))?.code).toBe(
      Code.PermissionDenied,
    );
    expect((await errorOf(ursula.listSubscribers({ topicKey: "open" })))?.code).toBe(Code.PermissionDenied);

    expect((await ursula.listUserTopics({})).topics.map((t) => t.key)).toEqual(["open"]);
    expect((await errorOf(ursula.listUserTopics({ userId: "victor" })))?.code).toBe(Code.PermissionDenied);
    expect(await ursula.removeSubscribers({ topicKey: "open" })).toMatchObject({
      removedCount: 1n,
      subscriberCount: 0n,
    });
    expect((await ursula.listUserTopics({ userId: "ursula" })).topics).toEqual([]);
  });

  it("lets a read key list but not change members, and a send key do neither", async () => {
    await admin.addSubscribers({ topicKey: "closed", userIds: ["r1"] });
    expect((await reader.listSubscribers({ topicKey: "closed" })).subscribers.map((s) => s.userId)).toEqual(["r1"]);
    expect((await reader.listUserTopics({ userId: "r1" })).topics.map((t) => t.key)).toEqual(["closed"]);
    for (const call of [reader.addSubscribers, reader.removeSubscribers, sender.addSubscribers]) {
      const err = await errorOf(call({ topicKey: "closed", userIds: ["r2"] }));
      expect(err?.code).toBe(Code.PermissionDenied);
      expect(err?.rawMessage).toContain('"admin" scope');
    }
    expect((await errorOf(sender.listSubscribers({ topicKey: "closed" })))?.code).toBe(Code.PermissionDenied);
    expect((await errorOf(sender.listUserTopics({ userId: "r1" })))?.code).toBe(Code.PermissionDenied);
    const missing = await errorOf(reader.listUserTopics({}));
    expect(missing?.code).toBe(Code.InvalidArgument);
    expect(missing?.rawMessage).toMatch(/^user_id: /);
  });

  it("pages 2,500 members 1,000 at a time, each once, in order", async () => {
    await admin.createTopic({ key: "paged" });
    const members = ids("p", 2_500).reverse();
    await admin.addSubscribers({ topicKey: "paged", userIds: members });
    const seen: string[] = [];
    let pageToken = "";
    const sizes: number[] = [];
    for (let page = 0; page < 10; page++) {
      const res = await reader.listSubscribers({ topicKey: "paged", pageSize: 1000, pageToken });
      sizes.push(res.subscribers.length);
      seen.push(...res.subscribers.map((s) => s.userId));
      pageToken = res.nextPageToken;
      if (pageToken === "") break;
    }
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(seen).toEqual(ids("p", 2_500));
    // The default page is 100; a token belongs to its topic.
    const first = await reader.listSubscribers({ topicKey: "paged" });
    expect(first.subscribers).toHaveLength(100);
    const wrong = await errorOf(reader.listSubscribers({ topicKey: "closed", pageToken: first.nextPageToken }));
    expect(wrong?.rawMessage).toMatch(/^page_token: /);
  });

  it("lists a user's topics by key, a page at a time", async () => {
    const keys = ["mine.c", "mine.a", "mine.b"];
    for (const key of keys) {
      await admin.createTopic({ key });
      await admin.addSubscribers({ topicKey: key, userIds: ["multi"] });
    }
    const first = await reader.listUserTopics({ userId: "multi", pageSize: 2 });
    expect(first.topics.map((t) => t.key)).toEqual(["mine.a", "mine.b"]);
    expect(first.topics[0]?.subscriberCount).toBe(1n);
    const second = await reader.listUserTopics({ userId: "multi", pageSize: 2, pageToken: first.nextPageToken });
    expect(second.topics.map((t) => t.key)).toEqual(["mine.c"]);
    expect(second.nextPageToken).toBe("");
  });

  it("DeleteRecipient takes the user out of every topic, counts exact", async () => {
    await admin.createTopic({ key: "erase-1" });
    await admin.createTopic({ key: "erase-2" });
    await admin.addSubscribers({ topicKey: "erase-1", userIds: ["erased", "kept"] });
    await admin.addSubscribers({ topicKey: "erase-2", userIds: ["erased"] });
    const recipients = serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"]));
    await recipients.deleteRecipient({ userId: "erased" });
    expect((await reader.listUserTopics({ userId: "erased" })).topics).toEqual([]);
    expect(await count("erase-1")).toBe(1n);
    expect(await count("erase-2")).toBe(0n);
    expect((await reader.listSubscribers({ topicKey: "erase-1" })).subscribers.map((s) => s.userId)).toEqual(["kept"]);
  });

  it("deleting a topic removes its memberships", async () => {
    await admin.createTopic({ key: "doomed" });
    await admin.addSubscribers({ topicKey: "doomed", userIds: ["d1", "d2"] });
    await admin.deleteTopic({ key: "doomed" });
    const rows = await herald.db.query("SELECT 1 FROM topic_subscribers WHERE topic_key = 'doomed'");
    expect(rows).toEqual([]);
    expect((await reader.listUserTopics({ userId: "d1" })).topics).toEqual([]);
  });
});
