import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// Tenants refill one token a second with bursts of 6; API keys and users are
// far above that, so every refusal here is the tenant's.
const limits = {
  RATE_LIMIT_API_KEY_PER_SECOND: "1000",
  RATE_LIMIT_USER_PER_SECOND: "1000",
  RATE_LIMIT_TENANT_PER_SECOND: "1",
  RATE_LIMIT_TENANT_BURST: "6",
  TENANT_NOTIFICATIONS_PER_DAY: "5",
  RATE_LIMIT_SYNC_INTERVAL_MS: "100",
};

let herald: TestHerald;
beforeAll(async () => {
  herald = await startHerald({ env: limits });
  await herald.tenant("acme");
  await herald.tenant("globex");
});
afterAll(() => herald.close());

/** Runs `call` `count` times at once; returns how many were served and the refusals. */
async function flood(count: number, call: () => Promise<unknown>) {
  const outcomes = await Promise.all(
    Array.from({ length: count }, () =>
      call().then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      ),
    ),
  );
  const refused = outcomes.filter((e): e is ConnectError => e?.code === Code.ResourceExhausted);
  return { served: count - refused.length, refused };
}

describe("per-tenant rate limits", () => {
  it("one tenant's keys share its bucket; another tenant is served meanwhile", async () => {
    const acme1 = connectClient(herald.url, await herald.apiKey(["read"], "acme-1", "acme"));
    const acme2 = connectClient(herald.url, await herald.apiKey(["read"], "acme-2", "acme"));
    const globex = connectClient(herald.url, await herald.apiKey(["read"], "globex", "globex"));
    // Two keys of acme, 10 calls each: together they may make the tenant's burst.
    const [a, b] = await Promise.all([
      flood(10, () => acme1.list({ userId: "u" })),
      flood(10, () => acme2.list({ userId: "u" })),
    ]);
    expect(a.served + b.served).toBeGreaterThanOrEqual(6);
    expect(a.served + b.served).toBeLessThanOrEqual(8); // the burst, plus what refilled meanwhile
    expect(a.refused.length).toBeGreaterThan(0);
    expect(b.refused.length).toBeGreaterThan(0);
    for (const err of [...a.refused, ...b.refused]) {
      expect(err.rawMessage).toMatch(/rate limit exceeded: this tenant may make 1 requests per second \(bursts of 6\)/);
    }
    // Globex has a bucket of its own.
    const served = await flood(5, () => globex.list({ userId: "u" }));
    expect(served.served).toBe(5);
  });

  it("a user's bucket is per tenant: the same user id in another tenant is someone else", async () => {
    const local = await startHerald({
      env: {
        ...limits,
        RATE_LIMIT_TENANT_PER_SECOND: "0",
        RATE_LIMIT_USER_PER_SECOND: "1",
        RATE_LIMIT_USER_BURST: "3",
      },
    });
    try {
      await local.tenant("acme");
      const inDefault = connectClient(local.url, await local.userToken("alice"));
      const inAcme = connectClient(local.url, await local.userToken("alice", { tenant: "acme" }));
      const flooded = await flood(8, () => inDefault.list({}));
      expect(flooded.refused.length).toBeGreaterThan(0);
      for (const err of flooded.refused) expect(err.rawMessage).toMatch(/this user may make 1 requests per second/);
      const other = await flood(3, () => inAcme.list({}));
      expect(other.served).toBe(3);
    } finally {
      await local.close();
    }
  });

  it("notifications per day: a Send past the tenant's day is refused before anything is written", async () => {
    const local = await startHerald({ env: { ...limits, RATE_LIMIT_TENANT_PER_SECOND: "0" } });
    try {
      await local.tenant("acme");
      const acme = connectClient(local.url, await local.apiKey(["send"], "acme", "acme"));
      const other = connectClient(local.url, await local.apiKey(["send"], "default"));
      await acme.send({
        userIds: ["a1", "a2", "a3"],
        category: "limits",
        title: "hi",
        body: "b",
        channels: [Channel.IN_APP],
      });
      const refused = await acme
        .send({ userIds: ["a4", "a5", "a6"], category: "limits", title: "hi", body: "b", channels: [Channel.IN_APP] })
        .then(() => null, ConnectError.from);
      expect(refused?.code).toBe(Code.ResourceExhausted);
      expect(refused?.rawMessage).toMatch(/this tenant may send 5 notifications per day/);
      // Two are left today: a Send to two is served; another tenant is unaffected.
      await acme.send({
        userIds: ["a4", "a5"],
        category: "limits",
        title: "hi",
        body: "b",
        channels: [Channel.IN_APP],
      });
      // More recipients than a whole day holds are refused even from a full day.
      const tooMany = await other
        .send({
          userIds: ["a1", "a2", "a3", "a4", "a5", "a6"],
          category: "limits",
          title: "hi",
          body: "b",
          channels: [Channel.IN_APP],
        })
        .then(() => null, ConnectError.from);
      expect(tooMany?.code).toBe(Code.ResourceExhausted);
      expect(tooMany?.rawMessage).toMatch(/this tenant may send 5 notifications per day/);
      await other.send({
        userIds: ["a1", "a2", "a3", "a4", "a5"],
        category: "limits",
        title: "hi",
        body: "b",
        channels: [Channel.IN_APP],
      });
      const rows = await local.app.db.rows<{ tenant_id: string; n: string }>(
        "SELECT tenant_id, count(*)::text AS n FROM notifications GROUP BY tenant_id ORDER BY tenant_id",
      );
      expect(rows).toEqual([
        { tenant_id: "acme", n: "5" },
        { tenant_id: "default", n: "5" },
      ]);
    } finally {
      await local.close();
    }
  });

  it("notifications per day: a fan-out's audience is counted when it starts", async () => {
    const local = await startHerald({ env: { ...limits, RATE_LIMIT_TENANT_PER_SECOND: "0" } });
    try {
      await local.tenant("acme");
      const key = await local.apiKey(["admin"], "acme", "acme");
      const acme = connectClient(local.url, key);
      const topics = serviceClient(TopicService, local.url, key);
      await topics.createTopic({ key: "big" });
      await topics.addSubscribers({ topicKey: "big", userIds: ["b1", "b2", "b3", "b4", "b5", "b6"] });
      await topics.createTopic({ key: "small" });
      await topics.addSubscribers({ topicKey: "small", userIds: ["s1", "s2", "s3"] });
      const send = (topic: string) =>
        acme.send({ topics: [topic], category: "limits", title: "hi", body: "b", channels: [Channel.IN_APP] });
      // Six members: more than the whole day of five.
      const tooBig = await send("big").then(() => null, ConnectError.from);
      expect(tooBig?.code).toBe(Code.ResourceExhausted);
      expect(tooBig?.rawMessage).toMatch(/5 notifications per day, and this fan-out's audience of 6/);
      expect((await send("small")).fanoutId).not.toBe("");
      // Three taken: another three do not fit today.
      const refused = await send("small").then(() => null, ConnectError.from);
      expect(refused?.code).toBe(Code.ResourceExhausted);
      const [row] = await local.app.db.rows<{ n: string }>("SELECT count(*)::text AS n FROM fanouts");
      expect(row?.n).toBe("1");
    } finally {
      await local.close();
    }
  });
});
