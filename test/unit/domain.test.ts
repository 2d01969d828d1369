import { describe, expect, it } from "vitest";
import { generateApiKey, hashSecret, parseApiKey } from "../../src/auth/api-key-format.js";
import { isChannelEnabled, isDeliveryWanted, preferencePolicy } from "../../src/domain/preferences.js";
import { emptyTenantSettings } from "../../src/domain/tenant-settings.js";
import { feedOwnerOfSubject, feedSubject } from "../../src/feed/subjects.js";

describe("isChannelEnabled", () => {
  const prefs = { userId: "u", defaults: { email: false }, categories: { "a.b": { email: true, sms: false } } };
  it("prefers the category, then the defaults, then on", () => {
    expect(isChannelEnabled(prefs, "a.b", "email")).toBe(true);
    expect(isChannelEnabled(prefs, "a.b", "sms")).toBe(false);
    expect(isChannelEnabled(prefs, "c", "email")).toBe(false);
    expect(isChannelEnabled(prefs, "c", "push")).toBe(true);
  });

  it("falls back to the tenant's default for the most specific category above, after the user's own settings", () => {
    const tenant = [
      { category: "m", channel: "push" as const, enabled: false },
      { category: "m.w", channel: "push" as const, enabled: true },
      { category: "a", channel: "sms" as const, enabled: true },
    ];
    const none = { userId: "u", defaults: {}, categories: {} };
    expect(isChannelEnabled(none, "m", "push", tenant)).toBe(false);
    expect(isChannelEnabled(none, "m.x", "push", tenant)).toBe(false);
    expect(isChannelEnabled(none, "m.w", "push", tenant)).toBe(true);
    expect(isChannelEnabled(none, "m.w.z", "push", tenant)).toBe(true);
    expect(isChannelEnabled(none, "mm", "push", tenant)).toBe(true);
    expect(isChannelEnabled(none, "m", "email", tenant)).toBe(true);
    // The user's own settings (category, then defaults) win.
    expect(isChannelEnabled(prefs, "a.b", "sms", tenant)).toBe(false);
    expect(isChannelEnabled({ ...none, defaults: { push: true } }, "m", "push", tenant)).toBe(true);
  });
});

describe("preferencePolicy", () => {
  it("adds the tenant's required categories to the deployment's, under the same critical rule", () => {
    const optedOut = { userId: "u", defaults: { email: false }, categories: {} };
    const policy = preferencePolicy(["billing"], { ...emptyTenantSettings, requiredCategories: ["security"] });
    expect(policy.requiredCategories).toEqual(["billing", "security"]);
    const critical = (category: string) => ({ category, priority: "critical" });
    expect(isDeliveryWanted(optedOut, critical("security.login"), "email", policy)).toBe(true);
    expect(isDeliveryWanted(optedOut, critical("billing"), "email", policy)).toBe(true);
    expect(isDeliveryWanted(optedOut, { category: "security", priority: "high" }, "email", policy)).toBe(false);
    // No settings: the deployment's alone, as before.
    const plain = preferencePolicy(["billing"], undefined);
    expect(plain).toEqual({ requiredCategories: ["billing"], defaults: [] });
    expect(isDeliveryWanted(optedOut, critical("security"), "email", plain)).toBe(false);
  });
});

describe("API key format", () => {
  it("generates keys that parse back to their id and secret", () => {
    const { key, id, secret } = generateApiKey();
    expect(parseApiKey(key)).toEqual({ id, secret });
    expect(hashSecret(secret)).toHaveLength(32);
    expect(generateApiKey().key).not.toBe(key);
  });
  it.each([
    "",
    "hk_",
    "hk_short_x",
    "sk_0123456789abcdef_abcdefghijklmnopqrstuvwxyz",
    "hk_0123456789abcdef_has space in it!!!!",
  ])("rejects %j", (key) => expect(parseApiKey(key)).toBeNull());
});

describe("feed subjects", () => {
  it("carry the tenant and any user id safely and give them back", () => {
    for (const userId of ["alice", "a.b", "*", ">", "user@example.com", "auth0|123"]) {
      for (const tenantId of ["default", "acme-2"]) {
        const subject = feedSubject("herald", tenantId, userId);
        expect(subject.split(".")).toHaveLength(4);
        expect(feedOwnerOfSubject("herald", subject)).toEqual({ tenantId, userId });
      }
    }
    expect(feedSubject("herald", "a", "alice")).not.toBe(feedSubject("herald", "b", "alice"));
    expect(feedOwnerOfSubject("herald", "other.feed.default.YQ")).toBeNull();
    expect(feedOwnerOfSubject("herald", "herald.feed.YQ")).toBeNull();
  });
});
