import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

// UpdateNotification and RetractNotification across tenants: B's admin key
// names A's notification (by id, or by A's user and group key) and must be
// answered as for an unknown id, leaving A's notification as it was.
const A = "upd-iso-a";
const B = "upd-iso-b";

let herald: TestHerald;
let a: HeraldClient;
let b: HeraldClient;
let aAlice: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  await herald.tenant(A);
  await herald.tenant(B);
  a = connectClient(herald.url, await herald.apiKey(["send", "read", "admin"], "a", A));
  b = connectClient(herald.url, await herald.apiKey(["send", "read", "admin"], "b", B));
  aAlice = connectClient(herald.url, await herald.userToken("alice", { tenant: A }));
});
afterAll(() => herald.close());

async function codeOf(call: Promise<unknown>): Promise<Code> {
  return ConnectError.from(await rejection(call)).code;
}

describe("update and retract across tenants", () => {
  it("treats another tenant's notification as unknown, by id and by group", async () => {
    const sent = await a.send({
      userIds: ["alice"],
      category: "iso",
      title: "A's",
      body: "b",
      channels: [Channel.IN_APP],
      groupKey: "g",
    });
    const id = sent.notifications[0]?.id as string;
    expect(await codeOf(b.updateNotification({ id, title: "B was here" }))).toBe(Code.NotFound);
    expect(await codeOf(b.retractNotification({ id }))).toBe(Code.NotFound);
    expect(await b.retractNotification({ userId: "alice", groupKey: "g" })).toMatchObject({ notificationIds: [] });
    // B's Send of the same group to its own alice replaces nothing of A's.
    await b.send({ userIds: ["alice"], category: "iso", title: "B's", body: "b", groupKey: "g" });
    const listed = await aAlice.list({});
    expect(listed.notifications.map((n) => [n.id, n.title, n.version])).toEqual([[id, "A's", 1]]);
    expect(listed.unreadCount).toBe(1);
  });
});
