import { describe, expect, it } from "vitest";
import { generateApiKey, hashSecret, parseApiKey } from "../../src/auth/api-key-format.js";
import { isChannelEnabled } from "../../src/domain/preferences.js";
import { feedOwnerOfSubject, feedSubject } from "../../src/feed/subjects.js";

describe("isChannelEnabled", () => {
  const prefs = { userId: "u", defaults: { email: false }, categories: { "a.b": { email: true, sms: false } } };
  it("prefers the category, then the defaults, then on", () => {
    expect(isChannelEnabled(prefs, "a.b", "email")).toBe(true);
    expect(isChannelEnabled(prefs, "a.b", "sms")).toBe(false);
    expect(isChannelEnabled(prefs, "c", "email")).toBe(false);
    expect(isChannelEnabled(prefs, "c", "push")).toBe(true);
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
