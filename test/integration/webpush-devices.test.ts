import { createECDH, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../src/store/database.js";
import * as webpushMigration from "../../src/store/migrations/0016-webpush.js";
import { migrate } from "../../src/store/migrator.js";
import { recipientStore } from "../../src/store/recipient-store.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";

// Web Push subscriptions as devices (migration 0016): their keys are stored
// beside the endpoint, present exactly on web_push devices, and read back for
// the deliverer only; the migration goes down and up again.

let testDb: TestDatabase;
const setup = {} as { db: Database };
beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrate(testDb.url);
  setup.db = createDatabase({ url: testDb.url, poolMax: 2 });
});
afterAll(async () => {
  await setup.db?.close();
  await testDb?.close();
});
const keys = () => {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey("base64url"), auth: randomBytes(16).toString("base64url") };
};

describe("web_push devices", () => {
  it("keep their keys for the deliverer, and a new registration of the endpoint replaces them", async () => {
    const { db } = setup;
    const first = keys();
    const registered = await recipientStore.registerDevice(db, "default", "ana", "web_push", "https://push.example/1", {
      move: false,
      webPush: first,
    });
    const id = registered?.device.id as string;
    expect((await recipientStore.device(db, "default", id))?.webPush).toEqual(first);
    // Listed with the user's devices, without keys.
    expect((await recipientStore.get(db, "default", "ana")).devices[0]).not.toHaveProperty("webPush");
    const second = keys();
    await recipientStore.registerDevice(db, "default", "ana", "web_push", "https://push.example/1", {
      move: false,
      webPush: second,
    });
    expect((await recipientStore.device(db, "default", id))?.webPush).toEqual(second);
  });

  it("the schema refuses keys on other platforms and a web_push device without them", async () => {
    const { db } = setup;
    const insert = (platform: string, p256dh: string | null) =>
      db.exec(
        `INSERT INTO devices (id, tenant_id, user_id, platform, token, web_push_p256dh, web_push_auth)
         VALUES (gen_random_uuid(), 'default', 'ben', $1, $2, $3, $3)`,
        [platform, `tok-${randomBytes(4).toString("hex")}`, p256dh],
      );
    await expect(insert("web_push", null)).rejects.toThrow(/devices_web_push_keys/);
    await expect(insert("android", "x")).rejects.toThrow(/devices_web_push_keys/);
    await expect(insert("carrier_pigeon", null)).rejects.toThrow(/devices_platform_check/);
  });

  it("goes down (dropping subscriptions, keeping FCM devices) and up again", async () => {
    const { db } = setup;
    await recipientStore.registerDevice(db, "default", "cem", "android", "fcm-token-1", { move: false });
    // Several statements at once, as the migrator runs them (the simple query protocol).
    const context = { query: (sql: string) => testDb.query(sql) };
    await webpushMigration.down({ context, name: "0016-webpush", path: "" });
    const rows = await testDb.query<{ platform: string }>("SELECT platform FROM devices ORDER BY platform");
    expect(rows.map((r) => r.platform)).toEqual(["android"]);
    await webpushMigration.up({ context, name: "0016-webpush", path: "" });
    expect((await recipientStore.get(db, "default", "cem")).devices.map((d) => d.token)).toEqual(["fcm-token-1"]);
  });
});
