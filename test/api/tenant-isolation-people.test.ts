import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// Tenants A ("acme") and B ("globex") in one Herald, the same user ids in both:
// A's "alice" and B's "alice" are two different people. Every RPC of
// RecipientService and the preference (quiet hours included) RPCs, called as
// B (API key or B's user token), must neither see nor change A's rows.

type Recipients = ReturnType<typeof serviceClient<typeof RecipientService>>;

let herald: TestHerald;
const A = "acme";
const B = "globex";
let aRecipients: Recipients;
let bRecipients: Recipients;
let aAdmin: HeraldClient;
let bAdmin: HeraldClient;

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok" as const,
    (e: unknown) => ConnectError.from(e).code,
  );

const nights = {
  window: { start: { hour: 22, minute: 0 }, end: { hour: 7, minute: 0 } },
  channels: [Channel.IN_APP],
  timezone: "Europe/Berlin",
};

/** Makes `user` a full person of tenant A: contact data, a device, preferences and quiet hours. */
async function seedInA(user: string, deviceToken: string) {
  await aRecipients.upsertRecipient({
    userId: user,
    email: `${user}@a.example`,
    locale: "de",
    timezone: "Europe/Vienna",
  });
  await aRecipients.registerDevice({ userId: user, platform: Platform.ANDROID, token: deviceToken });
  await aAdmin.updatePreferences({
    userId: user,
    defaults: { inApp: false },
    categories: { "billing.invoice": { inApp: true } },
    quietHours: nights,
  });
}

/** A's person `user` exactly as seedInA left them, read through A's key and in Postgres. */
async function expectIntactInA(user: string, deviceToken: string) {
  const { recipient } = await aRecipients.getRecipient({ userId: user });
  expect(recipient).toMatchObject({ email: `${user}@a.example`, locale: "de", timezone: "Europe/Vienna" });
  expect(recipient?.devices.map((d) => d.token)).toEqual([deviceToken]);
  const { preferences } = await aAdmin.getPreferences({ userId: user });
  expect(preferences?.defaults?.inApp).toBe(false);
  expect(preferences?.categories["billing.invoice"]?.inApp).toBe(true);
  expect(preferences?.quietHours).toMatchObject(nights);

  const count = async (table: string) =>
    (
      await herald.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1 AND user_id = $2`,
        [A, user],
      )
    )[0]?.n;
  expect(await count("recipients")).toBe(1);
  expect(await count("devices")).toBe(1);
  expect(await count("preferences")).toBe(2);
  expect(await count("quiet_hours")).toBe(1);
  const [row] = await herald.db.query<{ email: string }>(
    "SELECT addresses->>'email' AS email FROM recipients WHERE tenant_id = $1 AND user_id = $2",
    [A, user],
  );
  expect(row?.email).toBe(`${user}@a.example`);
}

/** B's view of `user`: nothing at all, as for a user id Herald never heard of. */
async function expectUnknownInB(client: Recipients, prefs: HeraldClient, userId: string) {
  const { recipient } = await client.getRecipient({ userId });
  expect(recipient).toMatchObject({ email: "", phone: "", locale: "", timezone: "", devices: [] });
  expect(recipient?.updateTime).toBeUndefined();
  const { preferences } = await prefs.getPreferences({ userId });
  expect(preferences?.defaults?.inApp).toBeUndefined();
  expect(preferences?.categories).toEqual({});
  expect(preferences?.quietHours).toBeUndefined();
}

beforeAll(async () => {
  herald = await startHerald();
  await herald.tenant(A);
  await herald.tenant(B);
  const aKey = await herald.apiKey(["admin"], "a-admin", A);
  const bKey = await herald.apiKey(["admin"], "b-admin", B);
  aRecipients = serviceClient(RecipientService, herald.url, aKey);
  bRecipients = serviceClient(RecipientService, herald.url, bKey);
  aAdmin = connectClient(herald.url, aKey);
  bAdmin = connectClient(herald.url, bKey);
});
afterAll(() => herald.close());

describe("tenant isolation: recipients, devices, preferences, quiet hours, token revocations", () => {
  it("GetRecipient and GetPreferences in B see nothing of A's alice (API key and B's user token)", async () => {
    await seedInA("alice", "tok-get");
    // A reads first, so A's preferences sit in the cache when B asks.
    expect((await aAdmin.getPreferences({ userId: "alice" })).preferences?.defaults?.inApp).toBe(false);
    await expectUnknownInB(bRecipients, bAdmin, "alice");
    const bAlice = await herald.userToken("alice", { tenant: B });
    await expectUnknownInB(serviceClient(RecipientService, herald.url, bAlice), connectClient(herald.url, bAlice), "");
    // A's own token for alice sees A's alice.
    const aAlice = serviceClient(RecipientService, herald.url, await herald.userToken("alice", { tenant: A }));
    expect((await aAlice.getRecipient({})).recipient?.email).toBe("alice@a.example");
    await expectIntactInA("alice", "tok-get");
  });

  it("UpsertRecipient in B makes B's own person and leaves A's untouched", async () => {
    await seedInA("ursula", "tok-upsert");
    const { recipient } = await bRecipients.upsertRecipient({ userId: "ursula", email: "ursula@b.example" });
    expect(recipient).toMatchObject({ email: "ursula@b.example", locale: "", timezone: "", devices: [] });
    await bRecipients.upsertRecipient({ userId: "ursula", email: "", locale: "fr" });
    expect((await bRecipients.getRecipient({ userId: "ursula" })).recipient).toMatchObject({ email: "", locale: "fr" });
    await expectIntactInA("ursula", "tok-upsert");
  });

  it("UpdatePreferences in B (API key and user token) changes only B's person, also in the cache", async () => {
    await seedInA("paula", "tok-prefs");
    await aAdmin.getPreferences({ userId: "paula" }); // cached in A
    await bAdmin.updatePreferences({
      userId: "paula",
      defaults: { inApp: true },
      categories: { "billing.invoice": { inApp: false } },
      resetCategories: ["billing.invoice"],
    });
    const bPaula = connectClient(herald.url, await herald.userToken("paula", { tenant: B }));
    const updated = await bPaula.updatePreferences({
      defaults: { inApp: true },
      categories: { promo: { inApp: false } },
      quietHours: { window: { start: { hour: 1, minute: 0 }, end: { hour: 2, minute: 0 } } },
    });
    // B's settings only (a reset runs before the patch's settings, so B's invoice override stays; A's says true).
    expect(Object.keys(updated.preferences?.categories ?? {}).sort()).toEqual(["billing.invoice", "promo"]);
    expect(updated.preferences?.categories["billing.invoice"]?.inApp).toBe(false);
    expect(updated.preferences?.quietHours?.window?.start?.hour).toBe(1);
    await bPaula.updatePreferences({ clearQuietHours: true, resetCategories: ["billing.invoice", "promo"] });
    expect((await bPaula.getPreferences({})).preferences?.quietHours).toBeUndefined();
    await expectIntactInA("paula", "tok-prefs");
  });

  it("quiet hours set in B are B's: A's stay as they were, and A's never show in B", async () => {
    await seedInA("quinn", "tok-quiet");
    const bQuinn = connectClient(herald.url, await herald.userToken("quinn", { tenant: B }));
    expect((await bQuinn.getPreferences({})).preferences?.quietHours).toBeUndefined();
    await bAdmin.updatePreferences({
      userId: "quinn",
      quietHours: { window: { start: { hour: 3, minute: 0 }, end: { hour: 4, minute: 0 } } },
    });
    expect((await bQuinn.getPreferences({})).preferences?.quietHours?.window?.start?.hour).toBe(3);
    const rows = await herald.db.query<{ tenant_id: string; start_minute: number }>(
      "SELECT tenant_id, start_minute FROM quiet_hours WHERE user_id = 'quinn' ORDER BY tenant_id",
    );
    expect(rows).toEqual([
      { tenant_id: A, start_minute: 22 * 60 },
      { tenant_id: B, start_minute: 3 * 60 },
    ]);
    await expectIntactInA("quinn", "tok-quiet");
  });

  it("RegisterDevice in B with A's push token makes a device of B, and moves nothing of A's", async () => {
    await seedInA("dora", "tok-shared");
    // B's user token for another user: in A the token is dora's, which would be
    // PERMISSION_DENIED within A; in B nobody has it.
    const bBob = serviceClient(RecipientService, herald.url, await herald.userToken("bob", { tenant: B }));
    const { device } = await bBob.registerDevice({ platform: Platform.IOS, token: "tok-shared" });
    expect(device).toMatchObject({ platform: Platform.IOS, token: "tok-shared" });
    // B's admin key moves it to B's dora: still nothing of A's changes.
    await bRecipients.registerDevice({ userId: "dora", platform: Platform.IOS, token: "tok-shared" });
    const bDora = serviceClient(RecipientService, herald.url, await herald.userToken("dora", { tenant: B }));
    await bDora.registerDevice({ platform: Platform.IOS, token: "tok-dora-b" });
    expect((await bDora.getRecipient({})).recipient?.devices.map((d) => d.token)).toEqual(["tok-shared", "tok-dora-b"]);
    await expectIntactInA("dora", "tok-shared");
    const [a] = await herald.db.query<{ platform: string }>(
      "SELECT platform FROM devices WHERE tenant_id = $1 AND token = 'tok-shared'",
      [A],
    );
    expect(a?.platform).toBe("android");
  });

  it("UnregisterDevice in B of A's token is NOT_FOUND (API key and user token), and A's device stays", async () => {
    await seedInA("uma", "tok-unreg");
    expect(await codeOf(bRecipients.unregisterDevice({ userId: "uma", token: "tok-unreg" }))).toBe(Code.NotFound);
    const bUma = serviceClient(RecipientService, herald.url, await herald.userToken("uma", { tenant: B }));
    expect(await codeOf(bUma.unregisterDevice({ token: "tok-unreg" }))).toBe(Code.NotFound);
    await expectIntactInA("uma", "tok-unreg");
  });

  it("GetWebPushKey is the deployment's, not a tenant's: the same answer in A and B (here none: no VAPID keys)", async () => {
    // Web Push subscriptions themselves are devices; test/dispatch/webpush.test.ts keeps them apart by tenant.
    expect((await aRecipients.getWebPushKey({})).publicKey).toBe("");
    expect((await bRecipients.getWebPushKey({})).publicKey).toBe("");
  });

  it("RevokeUserTokens in B refuses B's alice's tokens only, never A's alice's", async () => {
    const aToken = await herald.userToken("rev", { tenant: A });
    const bToken = await herald.userToken("rev", { tenant: B });
    const aRev = connectClient(herald.url, aToken);
    const bRev = connectClient(herald.url, bToken);
    await aRev.getPreferences({});
    await bRev.getPreferences({});
    await bRecipients.revokeUserTokens({ userId: "rev" });
    expect(await codeOf(bRev.getPreferences({}))).toBe(Code.Unauthenticated);
    expect(await codeOf(aRev.getPreferences({}))).toBe("ok");
    // A token of the default tenant (no claim) for the same id is another person too.
    expect(await codeOf(connectClient(herald.url, await herald.userToken("rev")).getPreferences({}))).toBe("ok");
    const rows = await herald.db.query<{ tenant_id: string }>(
      "SELECT tenant_id FROM user_token_revocations WHERE user_id = 'rev'",
    );
    expect(rows).toEqual([{ tenant_id: B }]);
  });

  it("DeleteRecipient in B erases B's person only: A's data and A's tokens live on", async () => {
    await seedInA("erin", "tok-erase");
    await bRecipients.upsertRecipient({ userId: "erin", email: "erin@b.example" });
    await bAdmin.updatePreferences({ userId: "erin", defaults: { inApp: true }, quietHours: nights });
    await bRecipients.registerDevice({ userId: "erin", platform: Platform.ANDROID, token: "tok-erase" });
    const aErin = connectClient(herald.url, await herald.userToken("erin", { tenant: A }));
    const bErin = connectClient(herald.url, await herald.userToken("erin", { tenant: B }));
    await aErin.getPreferences({}); // cached in A
    // A's erin has an inbox too (written here, as Send belongs to another part of this work).
    await herald.db.query(
      `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
       VALUES (gen_random_uuid(), $1, 'erin', 1, 'x', 't', 'b', 'normal', now())`,
      [A],
    );
    await herald.db.query("INSERT INTO user_feeds (tenant_id, user_id, seq, unread_count) VALUES ($1, 'erin', 1, 1)", [
      A,
    ]);
    await herald.db.query(
      `INSERT INTO feed_events (tenant_id, user_id, seq, kind, notification_ids, unread_count)
       VALUES ($1, 'erin', 1, 'created', '{}', 1)`,
      [A],
    );

    const { deletedNotifications } = await bRecipients.deleteRecipient({ userId: "erin" });
    expect(deletedNotifications).toBe(0);
    await expectUnknownInB(bRecipients, bAdmin, "erin");
    for (const table of ["recipients", "devices", "preferences", "quiet_hours"]) {
      const rows = await herald.db.query(`SELECT 1 FROM ${table} WHERE tenant_id = $1 AND user_id = 'erin'`, [B]);
      expect(rows, table).toEqual([]);
    }
    expect(await codeOf(bErin.getPreferences({}))).toBe(Code.Unauthenticated);
    expect((await aErin.getPreferences({})).preferences?.defaults?.inApp).toBe(false);
    await expectIntactInA("erin", "tok-erase");
    for (const table of ["notifications", "user_feeds", "feed_events"]) {
      const rows = await herald.db.query(`SELECT 1 FROM ${table} WHERE tenant_id = $1 AND user_id = 'erin'`, [A]);
      expect(rows, table).toHaveLength(1);
    }
  });

  it("B's user token reaches only B's users, as any user token reaches only its own", async () => {
    const bAlice = serviceClient(RecipientService, herald.url, await herald.userToken("alice", { tenant: B }));
    expect(await codeOf(bAlice.upsertRecipient({ userId: "alice", email: "x@b.example" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(bAlice.deleteRecipient({ userId: "alice" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(bAlice.revokeUserTokens({ userId: "alice" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(bAlice.getRecipient({ userId: "ursula" }))).toBe(Code.PermissionDenied);
  });
});
