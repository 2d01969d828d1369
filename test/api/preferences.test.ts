import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let admin: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  admin = connectClient(herald.url, await herald.apiKey(["admin"]));
});
afterAll(() => herald.close());

describe("preferences", () => {
  it("start empty: every channel on", async () => {
    const user = connectClient(herald.url, await herald.userToken("fresh"));
    const { preferences } = await user.getPreferences({});
    expect(preferences?.userId).toBe("fresh");
    expect([preferences?.defaults?.inApp, preferences?.defaults?.email]).toEqual([undefined, undefined]);
    expect(preferences?.categories).toEqual({});
  });

  it("UpdatePreferences is a patch: unnamed settings stay as they were", async () => {
    const user = connectClient(herald.url, await herald.userToken("patcher"));
    await user.updatePreferences({
      defaults: { email: false },
      categories: { "social.like": { push: false, sms: false } },
    });
    const second = await user.updatePreferences({
      categories: { "social.like": { push: true }, "billing.invoice": { email: true } },
    });
    expect([second.preferences?.defaults?.email, second.preferences?.defaults?.inApp]).toEqual([false, undefined]);
    const like = second.preferences?.categories["social.like"];
    expect([like?.push, like?.sms, like?.email]).toEqual([true, false, undefined]);
    expect(second.preferences?.categories["billing.invoice"]).toMatchObject({ email: true });
    const reset = await user.updatePreferences({ resetCategories: ["social.like"] });
    expect(Object.keys(reset.preferences?.categories ?? {})).toEqual(["billing.invoice"]);
    expect((await user.getPreferences({})).preferences).toEqual(reset.preferences);
  });

  it("in-app off for a category suppresses those notifications, visibly", async () => {
    const user = connectClient(herald.url, await herald.userToken("quiet"));
    await user.updatePreferences({ categories: { "social.like": { inApp: false } } });
    const res = await admin.send({ userIds: ["quiet", "loud"], category: "social.like", title: "liked", body: "b" });
    const quietId = res.notifications[0]?.id as string;
    const got = await admin.getNotification({ id: quietId });
    expect(got.deliveries.map((d) => [d.channel, d.status])).toEqual([[Channel.IN_APP, DeliveryStatus.SUPPRESSED]]);
    expect((await user.list({})).notifications).toHaveLength(0);
    expect((await admin.list({ userId: "loud" })).notifications).toHaveLength(1);
    // Other categories still arrive; the category setting beats the default.
    await admin.send({ userIds: ["quiet"], category: "billing.invoice", title: "invoice", body: "b" });
    expect((await user.list({})).notifications.map((n) => n.title)).toEqual(["invoice"]);
    await user.updatePreferences({ defaults: { inApp: false }, categories: { "billing.invoice": { inApp: true } } });
    await admin.send({ userIds: ["quiet"], category: "billing.invoice", title: "invoice 2", body: "b" });
    await admin.send({ userIds: ["quiet"], category: "other", title: "other", body: "b" });
    expect((await user.list({})).notifications.map((n) => n.title)).toEqual(["invoice 2", "invoice"]);
  });

  it("are checked when a scheduled notification is released", async () => {
    const user = connectClient(herald.url, await herald.userToken("changed-mind"));
    const res = await admin.send({
      userIds: ["changed-mind"],
      category: "promo",
      title: "later",
      body: "b",
      sendAt: timestampFromDate(new Date(Date.now() + 800)),
    });
    await user.updatePreferences({ categories: { promo: { inApp: false } } });
    const id = res.notifications[0]?.id as string;
    const status = await waitFor(
      async () => {
        const s = (await admin.getNotification({ id })).deliveries[0]?.status;
        return s !== DeliveryStatus.SCHEDULED && s !== DeliveryStatus.PENDING && s;
      },
      10_000,
      "release",
    );
    expect(status).toBe(DeliveryStatus.SUPPRESSED);
    expect((await user.list({})).notifications).toHaveLength(0);
  });

  it("round-trip through grpc-js with explicit optional fields", async () => {
    const client = grpcJsClient(herald.port, await herald.userToken("grpc-prefs"));
    try {
      const res = (await client.updatePreferences({ categories: { "a.b": { email: false } } })) as {
        preferences: { categories: Record<string, { email?: boolean; push?: boolean }> };
      };
      expect(res.preferences.categories["a.b"]?.email).toBe(false);
    } finally {
      client.close();
    }
  });
});
