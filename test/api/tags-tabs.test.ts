import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let sender: HeraldClient;
let admin: HeraldClient;
let templates: ReturnType<typeof serviceClient<typeof TemplateService>>;

beforeAll(async () => {
  herald = await startHerald();
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
  const adminKey = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, adminKey);
  templates = serviceClient(TemplateService, herald.url, adminKey);
});
afterAll(() => herald.close());

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );
  if (error === null) throw new Error("expected the call to fail");
  return error;
}

async function send(userId: string, title: string, extra: { category?: string; tags?: string[] } = {}) {
  const res = await sender.send({ userIds: [userId], category: extra.category ?? "news", title, body: "b", ...extra });
  return res.notifications[0]?.id as string;
}

describe("tags", () => {
  it("come from the request, are returned by Send and List, and List filters on any of them", async () => {
    const user = connectClient(herald.url, await herald.userToken("tagged"));
    const sent = await sender.send({
      userIds: ["tagged"],
      category: "news",
      title: "a",
      body: "b",
      tags: ["mention", "team.core"],
    });
    expect(sent.notifications[0]?.tags).toEqual(["mention", "team.core"]);
    await send("tagged", "b", { tags: ["billing"] });
    await send("tagged", "c", { tags: ["billing", "urgent"] });
    await send("tagged", "d");
    const titles = async (tags: string[]) => (await user.list({ tags })).notifications.map((n) => n.title);
    expect(await titles(["billing"])).toEqual(["c", "b"]);
    expect(await titles(["mention", "urgent"])).toEqual(["c", "a"]);
    expect(await titles([])).toEqual(["d", "c", "b", "a"]);
    expect((await user.list({ tags: ["billing"] })).notifications[0]?.tags).toEqual(["billing", "urgent"]);
    // A page token is bound to its tag filter.
    const page = await user.list({ tags: ["billing"], pageSize: 1 });
    expect(
      (await user.list({ tags: ["billing"], pageToken: page.nextPageToken })).notifications.map((n) => n.title),
    ).toEqual(["b"]);
    expect((await failure(user.list({ tags: ["mention"], pageToken: page.nextPageToken }))).code).toBe(
      Code.InvalidArgument,
    );
  });

  it("come from the in-app template too, rendered, after the request's and without repeats", async () => {
    await templates.upsertTemplate({
      template: {
        key: "invoice-due",
        channel: Channel.IN_APP,
        locale: "en",
        content: {
          case: "inApp",
          value: { title: "Invoice {{n}}", body: "Due", tags: "billing, project-{{project}} ,urgent" },
        },
      },
    });
    const res = await sender.send({
      userIds: ["templated"],
      category: "billing.invoice",
      templateKey: "invoice-due",
      data: { n: 7, project: "apollo" },
      tags: ["urgent", "mention"],
    });
    expect(res.notifications[0]?.tags).toEqual(["urgent", "mention", "billing", "project-apollo"]);
    const listed = await admin.list({ userId: "templated", tags: ["project-apollo"] });
    expect(listed.notifications.map((n) => [n.title, n.tags])).toEqual([
      ["Invoice 7", ["urgent", "mention", "billing", "project-apollo"]],
    ]);
    const stored = await templates.getTemplate({ key: "invoice-due", channel: Channel.IN_APP, locale: "en" });
    expect(stored.template?.content.value).toMatchObject({ tags: "billing, project-{{project}} ,urgent" });
  });

  it("refuses bad tags naming the field, also when a template renders one, and more than 10 in all", async () => {
    const base = { userIds: ["bad-tags"], category: "news", title: "t", body: "b" };
    const bad = await failure(sender.send({ ...base, tags: ["Billing"] }));
    expect([bad.code, bad.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "tags[0]"]);
    const repeated = await failure(sender.send({ ...base, tags: ["a", "a"] }));
    expect([repeated.code, repeated.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "tags"]);
    const eleven = Array.from({ length: 11 }, (_, i) => `t${i}`);
    expect((await failure(sender.send({ ...base, tags: eleven }))).rawMessage.split(":")[0]).toBe("tags");

    await templates.upsertTemplate({
      template: {
        key: "many-tags",
        channel: Channel.IN_APP,
        locale: "en",
        content: { case: "inApp", value: { title: "t", body: "b", tags: "x1, x2, x3, {{extra}}" } },
      },
    });
    const templated = { userIds: ["bad-tags"], category: "news", templateKey: "many-tags" };
    const rendered = await failure(sender.send({ ...templated, data: { extra: "Not A Tag" } }));
    expect([rendered.code, rendered.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "tags"]);
    expect(rendered.rawMessage).toContain('"Not A Tag"');
    const tooMany = await failure(
      sender.send({ ...templated, data: { extra: "x4" }, tags: ["r1", "r2", "r3", "r4", "r5", "r6", "r7"] }),
    );
    expect([tooMany.code, tooMany.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "tags"]);
    expect(await herald.db.query("SELECT 1 FROM notifications WHERE user_id = 'bad-tags'")).toEqual([]);
  });
});

describe("tabs", () => {
  it("count unread and unseen per tab in one List, whatever the page and filters", async () => {
    const user = connectClient(herald.url, await herald.userToken("tabby"));
    const a = await send("tabby", "a", { tags: ["mention"] });
    await send("tabby", "b", { category: "billing.invoice", tags: ["billing"] });
    await send("tabby", "c", { tags: ["mention", "billing"] });
    await send("tabby", "d");
    await user.markRead({ notificationIds: [a] });
    const res = await user.list({
      pageSize: 1,
      tags: ["billing"],
      tabs: [
        { id: "all" },
        { id: "mentions", tags: ["mention"] },
        { id: "billing", category: "billing.invoice" },
        { id: "money", tags: ["billing", "nothing"] },
      ],
    });
    expect(res.notifications.map((n) => n.title)).toEqual(["c"]);
    expect(res.tabCounts.map((t) => [t.id, t.unreadCount])).toEqual([
      ["all", 3],
      ["mentions", 1],
      ["billing", 1],
      ["money", 2],
    ]);
    const bad = await failure(user.list({ tabs: [{ id: "x" }, { id: "x" }] }));
    expect([bad.code, bad.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "tabs"]);
  });

  it("equal a recount from the rows after random reads, unreads, archives and unarchives (fixed seed)", async () => {
    const userId = "tab-property";
    const user = connectClient(herald.url, await herald.userToken(userId));
    const random = mulberry32(20261203);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const tagPool = ["mention", "billing", "social", "urgent"];
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const tags = tagPool.filter(() => random() < 0.35);
      ids.push(await send(userId, `n${i}`, { category: pick(["news", "billing.invoice", "social.like"]), tags }));
    }
    const tabs = [
      { id: "all", category: "", tags: [] },
      { id: "mentions", category: "", tags: ["mention"] },
      { id: "billing", category: "billing.invoice", tags: [] },
      { id: "loud", category: "news", tags: ["urgent", "social"] },
    ];
    const changes = [ChangeKind.READ, ChangeKind.UNREAD, ChangeKind.ARCHIVED, ChangeKind.UNARCHIVED, ChangeKind.SEEN];
    for (let round = 0; round < 6; round++) {
      for (let op = 0; op < 10; op++) {
        const some = ids.filter(() => random() < 0.15);
        if (some.length > 0) await user.markRead({ notificationIds: some, change: pick(changes) });
      }
      const listed = await user.list({ pageSize: 1, tabs });
      expect(listed.tabCounts.map((t) => [t.id, t.unreadCount, t.unseenCount])).toEqual(await recount(userId, tabs));
    }
  });
});

/** Tab counts recounted in TypeScript from the notification rows, by the counting rule. */
async function recount(userId: string, tabs: Array<{ id: string; category: string; tags: string[] }>) {
  const rows = await herald.db.query<{ category: string; tags: string[]; read: boolean; seen: boolean }>(
    `SELECT category, tags, read_at IS NOT NULL AS read, seen_at IS NOT NULL AS seen FROM notifications
     WHERE user_id = $1 AND seq IS NOT NULL AND archived_at IS NULL`,
    [userId],
  );
  return tabs.map((t) => {
    const matching = rows.filter(
      (r) =>
        (t.category === "" || r.category === t.category) &&
        (t.tags.length === 0 || t.tags.some((tag) => r.tags.includes(tag))),
    );
    // Unseen: neither seen nor read (reading sees without writing seen_at).
    return [t.id, matching.filter((r) => !r.read).length, matching.filter((r) => !r.seen && !r.read).length];
  });
}

/** A small seeded PRNG, so the random operations are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
