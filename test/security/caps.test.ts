import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
beforeAll(async () => {
  herald = await startHerald({ env: { MAX_DEVICES_PER_USER: "3", MAX_PREFERENCE_CATEGORIES_PER_USER: "5" } });
});
afterAll(() => herald.close());

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

async function devicesOf(userId: string): Promise<number> {
  const [row] = await herald.db.query<{ n: number }>("SELECT count(*)::int AS n FROM devices WHERE user_id = $1", [
    userId,
  ]);
  return row?.n ?? 0;
}

describe("devices per user", () => {
  it("one device past the cap is RESOURCE_EXHAUSTED naming the limit; re-registering and replacing still work", async () => {
    const user = serviceClient(RecipientService, herald.url, await herald.userToken("many-devices"));
    for (const token of ["d1", "d2", "d3"]) await user.registerDevice({ platform: Platform.ANDROID, token });
    const err = await failure(user.registerDevice({ platform: Platform.ANDROID, token: "d4" }));
    expect(err?.code).toBe(Code.ResourceExhausted);
    expect(err?.rawMessage).toBe("devices: a user may have at most 3 push devices; unregister one first");
    expect(await devicesOf("many-devices")).toBe(3);
    // A token the user already has is not one more device.
    await user.registerDevice({ platform: Platform.IOS, token: "d2" });
    await user.unregisterDevice({ token: "d1" });
    await user.registerDevice({ platform: Platform.ANDROID, token: "d4" });
    expect(await devicesOf("many-devices")).toBe(3);
  });

  it("holds under concurrent registrations", async () => {
    const user = serviceClient(RecipientService, herald.url, await herald.userToken("racing-devices"));
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        failure(user.registerDevice({ platform: Platform.WEB, token: `race-${i}` })),
      ),
    );
    expect(outcomes.filter((e) => e === null)).toHaveLength(3);
    expect(outcomes.filter((e) => e?.code === Code.ResourceExhausted)).toHaveLength(9);
    expect(await devicesOf("racing-devices")).toBe(3);
  });

  it("applies to admin API keys too", async () => {
    const admin = serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"]));
    for (const token of ["a1", "a2", "a3"]) {
      await admin.registerDevice({ userId: "admin-devices", platform: Platform.IOS, token });
    }
    const err = await failure(admin.registerDevice({ userId: "admin-devices", platform: Platform.IOS, token: "a4" }));
    expect(err?.code).toBe(Code.ResourceExhausted);
  });

  it("push tokens are at most 1024 printable characters", async () => {
    const user = serviceClient(RecipientService, herald.url, await herald.userToken("long-token"));
    const err = await failure(user.registerDevice({ platform: Platform.ANDROID, token: "x".repeat(1025) }));
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toMatch(/^token: /);
    expect(await devicesOf("long-token")).toBe(0);
    const unregister = await failure(user.unregisterDevice({ token: "bad token" }));
    expect(unregister?.code).toBe(Code.InvalidArgument);
  });
});

describe("preference categories per user", () => {
  const categories = (names: string[]) => Object.fromEntries(names.map((c) => [c, { email: false }]));

  it("an update past the cap is RESOURCE_EXHAUSTED naming categories and the limit, and changes nothing", async () => {
    const user = connectClient(herald.url, await herald.userToken("many-categories"));
    await user.updatePreferences({ categories: categories(["c.one", "c.two", "c.three", "c.four", "c.five"]) });
    const err = await failure(user.updatePreferences({ defaults: { sms: false }, categories: categories(["c.six"]) }));
    expect(err?.code).toBe(Code.ResourceExhausted);
    expect(err?.rawMessage).toBe(
      "categories: a user may have preferences for at most 5 categories; this change would make 6 (reset some first)",
    );
    const { preferences } = await user.getPreferences({});
    expect(Object.keys(preferences?.categories ?? {}).sort()).toEqual([
      "c.five",
      "c.four",
      "c.one",
      "c.three",
      "c.two",
    ]);
    expect(preferences?.defaults?.sms).toBeUndefined(); // the whole update was refused
    // Changing a category the user has is fine; so is swapping one for another.
    await user.updatePreferences({ categories: { "c.one": { sms: false } } });
    await user.updatePreferences({ resetCategories: ["c.two"], categories: categories(["c.six"]) });
    const after = await user.getPreferences({});
    expect(Object.keys(after.preferences?.categories ?? {})).toHaveLength(5);
  });

  it("holds for one request naming more categories than the cap, and under concurrent updates", async () => {
    const user = connectClient(herald.url, await herald.userToken("racing-categories"));
    const err = await failure(user.updatePreferences({ categories: categories(["a", "b", "c", "d", "e", "f"]) }));
    expect(err?.code).toBe(Code.ResourceExhausted);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => failure(user.updatePreferences({ categories: categories([`race.c${i}`]) }))),
    );
    expect(outcomes.filter((e) => e === null)).toHaveLength(5);
    const [row] = await herald.db.query<{ n: number }>(
      "SELECT count(DISTINCT category)::int AS n FROM preferences WHERE user_id = 'racing-categories' AND category <> '*'",
    );
    expect(row?.n).toBe(5);
  });
});
