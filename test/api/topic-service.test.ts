import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

type TopicClient = ReturnType<typeof serviceClient<typeof TopicService>>;

let herald: TestHerald;
let admin: TopicClient;
let reader: TopicClient;
let sender: TopicClient;
let user: TopicClient;

beforeAll(async () => {
  herald = await startHerald();
  admin = serviceClient(TopicService, herald.url, await herald.apiKey(["admin"]));
  reader = serviceClient(TopicService, herald.url, await herald.apiKey(["read"]));
  sender = serviceClient(TopicService, herald.url, await herald.apiKey(["send"]));
  user = serviceClient(TopicService, herald.url, await herald.userToken("ursula"));
});
afterAll(() => herald.close());

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

describe("TopicService: topics", () => {
  it("creates, gets, updates and deletes a topic", async () => {
    const { topic } = await admin.createTopic({
      key: "project.42.followers",
      name: "Followers",
      description: "People following project 42",
      selfService: true,
    });
    expect(topic).toMatchObject({ key: "project.42.followers", name: "Followers", selfService: true });
    expect(topic?.subscriberCount).toBe(0n);
    expect(topic?.createTime).toBeDefined();
    expect((await reader.getTopic({ key: "project.42.followers" })).topic?.description).toBe(
      "People following project 42",
    );

    const updated = await admin.updateTopic({ key: "project.42.followers", name: "Project followers" });
    expect(updated.topic).toMatchObject({ name: "Project followers", selfService: true });
    expect(updated.topic?.description).toBe("People following project 42");
    const off = await admin.updateTopic({ key: "project.42.followers", selfService: false, description: "" });
    expect(off.topic).toMatchObject({ name: "Project followers", selfService: false, description: "" });

    await admin.deleteTopic({ key: "project.42.followers" });
    const gone = await errorOf(reader.getTopic({ key: "project.42.followers" }));
    expect(gone?.code).toBe(Code.NotFound);
    expect(gone?.rawMessage).toContain('"project.42.followers"');
    expect((await errorOf(admin.deleteTopic({ key: "project.42.followers" })))?.code).toBe(Code.NotFound);
    expect((await errorOf(admin.updateTopic({ key: "project.42.followers", name: "x" })))?.code).toBe(Code.NotFound);
  });

  it("refuses a taken key with ALREADY_EXISTS", async () => {
    await admin.createTopic({ key: "taken" });
    const err = await errorOf(admin.createTopic({ key: "taken", name: "again" }));
    expect(err?.code).toBe(Code.AlreadyExists);
    expect(err?.rawMessage).toContain('"taken"');
  });

  it("refuses bad keys and long fields, naming the field", async () => {
    for (const key of ["", "Upper", "-lead", "sp ace", "a/b", "x".repeat(129)]) {
      const err = await errorOf(admin.createTopic({ key }));
      expect(err?.code, key).toBe(Code.InvalidArgument);
      expect(err?.rawMessage.startsWith("key: "), err?.rawMessage).toBe(true);
    }
    expect((await errorOf(admin.createTopic({ key: "ok", name: "n".repeat(201) })))?.rawMessage).toMatch(/^name: /);
    expect((await errorOf(admin.createTopic({ key: "ok", description: "d".repeat(2001) })))?.rawMessage).toMatch(
      /^description: /,
    );
    expect((await errorOf(admin.listTopics({ pageSize: 1001 })))?.rawMessage).toMatch(/^page_size: /);
    const token = await errorOf(admin.listTopics({ pageToken: "bm90LWEtdG9rZW4" }));
    expect(token?.code).toBe(Code.InvalidArgument);
    expect(token?.rawMessage).toMatch(/^page_token: /);
  });

  it("lists every topic by key, a page at a time, each once", async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `list.${String(i).padStart(2, "0")}`);
    for (const key of keys) await admin.createTopic({ key, selfService: key.endsWith("0") });
    const seen: string[] = [];
    let pageToken = "";
    for (let page = 0; page < 20; page++) {
      const res = await reader.listTopics({ pageSize: 10, pageToken });
      expect(res.topics.length).toBeLessThanOrEqual(10);
      seen.push(...res.topics.map((t) => t.key));
      pageToken = res.nextPageToken;
      if (pageToken === "") break;
    }
    const listed = seen.filter((k) => k.startsWith("list."));
    expect(listed).toEqual(keys);
    expect(seen).toEqual([...seen].sort());
    expect((await admin.listTopics({})).topics.length).toBeLessThanOrEqual(100);
  });

  it("shows a user token only self-service topics", async () => {
    await admin.createTopic({ key: "open-topic", selfService: true });
    await admin.createTopic({ key: "closed-topic" });
    const keys = (await user.listTopics({ pageSize: 1000 })).topics.map((t) => t.key);
    expect(keys).toContain("open-topic");
    expect(keys).not.toContain("closed-topic");
    expect(keys.length).toBeGreaterThan(0);
    expect((await user.getTopic({ key: "open-topic" })).topic?.key).toBe("open-topic");
    expect((await errorOf(user.getTopic({ key: "closed-topic" })))?.code).toBe(Code.NotFound);
  });

  it("checks scopes: admin changes, read reads, send and user tokens change nothing", async () => {
    await admin.createTopic({ key: "scoped" });
    for (const client of [reader, sender, user]) {
      expect((await errorOf(client.createTopic({ key: "by-someone" })))?.code).toBe(Code.PermissionDenied);
      expect((await errorOf(client.updateTopic({ key: "scoped", name: "x" })))?.code).toBe(Code.PermissionDenied);
      expect((await errorOf(client.deleteTopic({ key: "scoped" })))?.code).toBe(Code.PermissionDenied);
    }
    const denied = await errorOf(sender.getTopic({ key: "scoped" }));
    expect(denied?.code).toBe(Code.PermissionDenied);
    expect(denied?.rawMessage).toContain('"read" scope');
    expect((await errorOf(sender.listTopics({})))?.code).toBe(Code.PermissionDenied);
    expect((await reader.getTopic({ key: "scoped" })).topic?.key).toBe("scoped");
    const anonymous = serviceClient(TopicService, herald.url);
    expect((await errorOf(anonymous.listTopics({})))?.code).toBe(Code.Unauthenticated);
  });
});

describe("TopicService over gRPC", () => {
  it("is served by the gRPC server (grpc-js) too", async () => {
    const key = await herald.apiKey(["admin"]);
    const grpc = createClient(
      TopicService,
      createGrpcTransport({
        baseUrl: herald.url,
        interceptors: [
          (next) => (req) => {
            req.header.set("Authorization", `Bearer ${key}`);
            return next(req);
          },
        ],
      }),
    );
    await grpc.createTopic({ key: "over-grpc" });
    expect(await grpc.addSubscribers({ topicKey: "over-grpc", userIds: ["g1", "g2"] })).toMatchObject({
      addedCount: 2n,
      subscriberCount: 2n,
    });
    expect((await errorOf(grpc.getTopic({ key: "BAD KEY" })))?.code).toBe(Code.NotFound);
  });
});

describe("TopicService: limits", () => {
  let small: TestHerald;
  let smallAdmin: TopicClient;
  beforeAll(async () => {
    small = await startHerald({ env: { TOPICS_MAX: "2", TOPIC_MAX_SUBSCRIBERS: "5" } });
    smallAdmin = serviceClient(TopicService, small.url, await small.apiKey(["admin"]));
  });
  afterAll(() => small.close());

  it("refuses a topic past TOPICS_MAX and creates nothing", async () => {
    await smallAdmin.createTopic({ key: "first" });
    await smallAdmin.createTopic({ key: "second" });
    const err = await errorOf(smallAdmin.createTopic({ key: "third" }));
    expect(err?.code).toBe(Code.ResourceExhausted);
    expect(err?.rawMessage).toContain("TOPICS_MAX");
    expect((await errorOf(smallAdmin.getTopic({ key: "third" })))?.code).toBe(Code.NotFound);
    // Deleting one makes room.
    await smallAdmin.deleteTopic({ key: "second" });
    await smallAdmin.createTopic({ key: "third" });
  });

  it("refuses an AddSubscribers that would pass TOPIC_MAX_SUBSCRIBERS, whole", async () => {
    await smallAdmin.addSubscribers({ topicKey: "first", userIds: ["a", "b", "c"] });
    const err = await errorOf(smallAdmin.addSubscribers({ topicKey: "first", userIds: ["c", "d", "e", "f"] }));
    expect(err?.code).toBe(Code.ResourceExhausted);
    expect(err?.rawMessage).toContain("TOPIC_MAX_SUBSCRIBERS (5)");
    const rows = await small.db.query<{ user_id: string }>(
      "SELECT user_id FROM topic_subscribers WHERE topic_key = 'first' ORDER BY user_id",
    );
    expect(rows.map((r) => r.user_id)).toEqual(["a", "b", "c"]);
    expect((await smallAdmin.getTopic({ key: "first" })).topic?.subscriberCount).toBe(3n);
    expect(await smallAdmin.addSubscribers({ topicKey: "first", userIds: ["c", "d", "e"] })).toMatchObject({
      addedCount: 2n,
      subscriberCount: 5n,
    });
  });
});
