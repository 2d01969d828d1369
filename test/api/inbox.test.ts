import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
});
afterAll(() => herald.close());

async function sendTitles(userId: string, titles: string[], category = "news") {
  const ids: string[] = [];
  for (const title of titles) {
    const res = await sender.send({ userIds: [userId], category, title, body: "b" });
    ids.push(res.notifications[0]?.id as string);
  }
  return ids;
}

async function allPages(
  client: HeraldClient,
  request: Parameters<HeraldClient["list"]>[0],
  onPage?: (n: number) => Promise<void>,
) {
  const titles: string[] = [];
  let pageToken = "";
  for (let page = 0; page < 100; page++) {
    const res = await client.list({ ...request, pageToken });
    titles.push(...res.notifications.map((n) => n.title));
    await onPage?.(page);
    pageToken = res.nextPageToken;
    if (pageToken === "") return titles;
  }
  throw new Error("too many pages");
}

describe("List", () => {
  it("pages newest first, and pages stay stable while new notifications arrive", async () => {
    const user = connectClient(herald.url, await herald.userToken("pager"));
    await sendTitles(
      "pager",
      Array.from({ length: 25 }, (_, i) => `n${i}`),
    );
    const seen = await allPages(user, { pageSize: 10 }, async (page) => {
      // New arrivals go on top; they must not shift or repeat later pages.
      if (page < 2) await sendTitles("pager", [`new${page}`]);
    });
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `n${24 - i}`));
    const first = await user.list({ pageSize: 3 });
    expect(first.notifications.map((n) => n.title)).toEqual(["new1", "new0", "n24"]);
    expect(first.unreadCount).toBe(27);
  });

  it("filters by unread and by category, and counts unread regardless of filters", async () => {
    const user = connectClient(herald.url, await herald.userToken("filters"));
    const [a] = await sendTitles("filters", ["a"], "billing.invoice");
    await sendTitles("filters", ["b"], "social.like");
    await sendTitles("filters", ["c"], "billing.invoice");
    await user.markRead({ notificationIds: [a as string] });
    expect((await user.list({ unreadOnly: true })).notifications.map((n) => n.title)).toEqual(["c", "b"]);
    const billing = await user.list({ category: "billing.invoice" });
    expect(billing.notifications.map((n) => n.title)).toEqual(["c", "a"]);
    expect(billing.unreadCount).toBe(2);
    expect(
      (await user.list({ category: "billing.invoice", unreadOnly: true })).notifications.map((n) => n.title),
    ).toEqual(["c"]);
  });

  it("pages through filtered views with their own tokens", async () => {
    const user = connectClient(herald.url, await herald.userToken("filtered-pages"));
    await sendTitles("filtered-pages", ["x0", "x1", "x2", "x3", "x4"], "alpha");
    await sendTitles("filtered-pages", ["y0", "y1"], "beta");
    expect(await allPages(user, { category: "alpha", pageSize: 2 })).toEqual(["x4", "x3", "x2", "x1", "x0"]);
  });

  it("returns an empty page and zero unread for a user with nothing", async () => {
    const res = await connectClient(herald.url, await herald.userToken("nobody")).list({});
    expect(res).toMatchObject({ notifications: [], nextPageToken: "", unreadCount: 0 });
  });
});

describe("MarkRead", () => {
  it("marks read and unread by id, idempotently, and returns the unread count", async () => {
    const user: HeraldClient = connectClient(herald.url, await herald.userToken("reader"));
    const [a, b] = await sendTitles("reader", ["a", "b", "c"]);
    const first = await user.markRead({ notificationIds: [a as string, b as string] });
    expect(first).toMatchObject({ unreadCount: 1, changedCount: 2 });
    const again = await user.markRead({ notificationIds: [a as string, b as string] });
    expect(again).toMatchObject({ unreadCount: 1, changedCount: 0 });
    const listed = await user.list({});
    expect(
      listed.notifications
        .filter((n) => n.readTime !== undefined)
        .map((n) => n.title)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(await user.markRead({ notificationIds: [a as string], change: ChangeKind.UNREAD })).toMatchObject({
      unreadCount: 2,
      changedCount: 1,
    });
  });

  it("marks all read up to now", async () => {
    const user = connectClient(herald.url, await herald.userToken("all-reader"));
    await sendTitles("all-reader", ["a", "b", "c"]);
    expect(await user.markRead({ all: true })).toMatchObject({ unreadCount: 0, changedCount: 3 });
    await sendTitles("all-reader", ["d"]);
    const listed = await user.list({ unreadOnly: true });
    expect(listed.notifications.map((n) => n.title)).toEqual(["d"]);
    expect(listed.unreadCount).toBe(1);
  });

  it("archives: archived ones leave the default list and the unread count, and come back", async () => {
    const user = connectClient(herald.url, await herald.userToken("archiver"));
    const [a, b] = await sendTitles("archiver", ["a", "b", "c"]);
    await user.markRead({ notificationIds: [b as string] });
    expect(
      await user.markRead({ notificationIds: [a as string, b as string], change: ChangeKind.ARCHIVED }),
    ).toMatchObject({
      unreadCount: 1,
      changedCount: 2,
    });
    expect((await user.list({})).notifications.map((n) => n.title)).toEqual(["c"]);
    const archived = await user.list({ archived: true });
    expect(archived.notifications.map((n) => n.title)).toEqual(["b", "a"]);
    expect(archived.notifications[0]?.archiveTime).toBeDefined();
    expect(await user.markRead({ notificationIds: [a as string], change: ChangeKind.UNARCHIVED })).toMatchObject({
      unreadCount: 2,
      changedCount: 1,
    });
    expect(await user.markRead({ all: true, change: ChangeKind.ARCHIVED })).toMatchObject({
      unreadCount: 0,
      changedCount: 2,
    });
    expect((await user.list({})).notifications).toHaveLength(0);
  });

  it("keeps the unread count exact under concurrent sends and marks", async () => {
    const user = connectClient(herald.url, await herald.userToken("racer"));
    const ids = await sendTitles(
      "racer",
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );
    await Promise.all([
      ...ids.map((id) => user.markRead({ notificationIds: [id] })),
      ...Array.from({ length: 10 }, (_, i) =>
        sender.send({ userIds: ["racer"], category: "news", title: `s${i}`, body: "b" }),
      ),
      ...ids.slice(0, 5).map((id) => user.markRead({ notificationIds: [id], change: ChangeKind.ARCHIVED })),
    ]);
    const [row] = await herald.db.query<{ count: string }>(
      "SELECT count(*) FROM notifications WHERE user_id = 'racer' AND read_at IS NULL AND archived_at IS NULL",
    );
    expect((await user.list({})).unreadCount).toBe(Number(row?.count));
    expect(Number(row?.count)).toBe(10);
  });

  it("works through grpc-js", async () => {
    const [id] = await sendTitles("grpc-reader", ["g"]);
    const client = grpcJsClient(herald.port, await herald.userToken("grpc-reader"));
    try {
      expect(await client.markRead({ notificationIds: [id], change: "CHANGE_KIND_READ" })).toMatchObject({
        unreadCount: 0,
        changedCount: 1,
      });
      const listed = (await client.list({})) as { notifications: Array<{ readTime: unknown }>; unreadCount: number };
      expect(listed.unreadCount).toBe(0);
      expect(listed.notifications[0]?.readTime).toBeTruthy();
    } finally {
      client.close();
    }
  });
});
