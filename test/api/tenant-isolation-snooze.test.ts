import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

// Snooze, unsnooze and expiry across two tenants with the same user ids:
// B (API key and user token) can neither snooze nor wake A's notifications,
// and the sweeps, which serve every tenant, move each tenant's own only.
const A = "snz-a";
const B = "snz-b";

let herald: TestHerald;
let a: HeraldClient;
let b: HeraldClient;
let aAlice: HeraldClient;
let bAlice: HeraldClient;

beforeAll(async () => {
  herald = await startHerald({ env: { INBOX_TIMERS_INTERVAL_MS: "100" } });
  await herald.tenant(A);
  await herald.tenant(B);
  a = connectClient(herald.url, await herald.apiKey(["send", "admin"], "a", A));
  b = connectClient(herald.url, await herald.apiKey(["send", "admin"], "b", B));
  aAlice = connectClient(herald.url, await herald.userToken("alice", { tenant: A }));
  bAlice = connectClient(herald.url, await herald.userToken("alice", { tenant: B }));
});
afterAll(() => herald.close());

const later = (ms: number) => timestampFromDate(new Date(Date.now() + ms));
const send = async (client: HeraldClient, title: string, extra: object = {}) =>
  (await client.send({ userIds: ["alice"], category: "iso", title, body: "b", ...extra })).notifications[0]
    ?.id as string;

describe("snooze and expiry across tenants", () => {
  it("B cannot snooze or unsnooze A's notifications; sweeps keep to each tenant", async () => {
    const aId = await send(a, "a-target");
    await send(b, "b-own");
    for (const call of [
      () => bAlice.snoozeNotifications({ notificationIds: [aId], snoozeUntil: later(60_000) }),
      () => b.snoozeNotifications({ userId: "alice", notificationIds: [aId], snoozeUntil: later(60_000) }),
    ]) {
      expect((await call()).changedCount).toBe(0);
    }
    expect((await aAlice.list({})).notifications.map((n) => n.id)).toEqual([aId]);

    await aAlice.snoozeNotifications({ notificationIds: [aId], snoozeUntil: later(60_000) });
    expect((await bAlice.unsnoozeNotifications({ notificationIds: [aId] })).changedCount).toBe(0);
    expect((await b.unsnoozeNotifications({ userId: "alice", notificationIds: [aId] })).changedCount).toBe(0);
    expect((await aAlice.list({ snoozed: true })).notifications.map((n) => n.id)).toEqual([aId]);
    expect((await bAlice.list({ snoozed: true })).notifications).toEqual([]);

    // B's expiring notification leaves B's inbox only.
    await send(b, "b-short", { ttl: { seconds: 1n, nanos: 0 } });
    await waitFor(async () => (await bAlice.list({})).unreadCount === 1, 15_000, "B's notification expired");
    expect((await bAlice.list({})).notifications.map((n) => n.title)).toEqual(["b-own"]);
    expect((await aAlice.list({ snoozed: true })).notifications.map((n) => n.id)).toEqual([aId]);
    expect((await aAlice.unsnoozeNotifications({ notificationIds: [aId] })).changedCount).toBe(1);
  });
});
