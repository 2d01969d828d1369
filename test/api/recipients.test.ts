import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let admin: HeraldClient;
let recipients: ReturnType<typeof serviceClient<typeof RecipientService>>;

beforeAll(async () => {
  herald = await startHerald();
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  recipients = serviceClient(RecipientService, herald.url, key);
});
afterAll(() => herald.close());

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok" as const,
    (e: unknown) => ConnectError.from(e).code,
  );

describe("RecipientService", () => {
  it("upserts contact data as a patch, where an empty string clears a field", async () => {
    await recipients.upsertRecipient({
      userId: "rita",
      email: "rita@example.com",
      phone: "+436601234567",
      locale: "de-at",
    });
    const { recipient } = await recipients.upsertRecipient({ userId: "rita", phone: "", timezone: "Europe/Vienna" });
    expect(recipient).toMatchObject({
      email: "rita@example.com",
      phone: "",
      locale: "de-AT",
      timezone: "Europe/Vienna",
    });
  });

  it("refuses bad contact data, naming the field", async () => {
    for (const [field, request] of [
      ["email", { userId: "rita", email: "not an address" }],
      ["phone", { userId: "rita", phone: "0660 123" }],
      ["locale", { userId: "rita", locale: "german!" }],
    ] as const) {
      const err = await recipients.upsertRecipient(request).catch((e: unknown) => ConnectError.from(e));
      expect(err).toMatchObject({ code: Code.InvalidArgument });
      expect((err as ConnectError).rawMessage.startsWith(`${field}: `)).toBe(true);
    }
  });

  it("lets a user token read its own recipient and manage its own devices, and nothing else", async () => {
    const rita = serviceClient(RecipientService, herald.url, await herald.userToken("rita"));
    const { device } = await rita.registerDevice({ platform: Platform.IOS, token: "ios-token-1" });
    expect(device).toMatchObject({ platform: Platform.IOS, token: "ios-token-1" });
    expect((await rita.getRecipient({})).recipient?.devices.map((d) => d.token)).toEqual(["ios-token-1"]);
    expect(await codeOf(rita.upsertRecipient({ userId: "rita", email: "evil@example.com" }))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(rita.getRecipient({ userId: "someone-else" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(rita.registerDevice({ userId: "someone-else", platform: Platform.WEB, token: "t" }))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(rita.deleteRecipient({ userId: "rita" }))).toBe(Code.PermissionDenied);
    await rita.unregisterDevice({ token: "ios-token-1" });
    expect(await codeOf(rita.unregisterDevice({ token: "ios-token-1" }))).toBe(Code.NotFound);
  });

  it("DeleteRecipient erases the user's personal data and nobody else's", async () => {
    await recipients.upsertRecipient({ userId: "gone", email: "gone@example.com" });
    await recipients.registerDevice({ userId: "gone", platform: Platform.ANDROID, token: "android-1" });
    const user = connectClient(herald.url, await herald.userToken("gone"));
    await user.updatePreferences({ defaults: { email: false } });
    await admin.send({ userIds: ["gone", "stays"], category: "x", title: "t", body: "b" });
    await admin.send({ userIds: ["gone"], category: "x", title: "t2", body: "b" });
    const { deletedNotifications } = await recipients.deleteRecipient({ userId: "gone" });
    expect(deletedNotifications).toBe(2);
    const left = await herald.db.query<{ t: string; n: number }>(
      `SELECT 'notifications' AS t, count(*)::int AS n FROM notifications WHERE user_id = 'gone'
       UNION ALL SELECT 'feed_events', count(*)::int FROM feed_events WHERE user_id = 'gone'
       UNION ALL SELECT 'user_feeds', count(*)::int FROM user_feeds WHERE user_id = 'gone'
       UNION ALL SELECT 'preferences', count(*)::int FROM preferences WHERE user_id = 'gone'
       UNION ALL SELECT 'devices', count(*)::int FROM devices WHERE user_id = 'gone'
       UNION ALL SELECT 'recipients', count(*)::int FROM recipients WHERE user_id = 'gone'`,
    );
    expect(left.every((r) => r.n === 0)).toBe(true);
    expect((await admin.list({ userId: "stays" })).notifications).toHaveLength(1);
    expect((await recipients.getRecipient({ userId: "gone" })).recipient).toMatchObject({ email: "", devices: [] });
  });
});
