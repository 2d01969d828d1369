import { describe, expect, it } from "vitest";
import { readUserTokenMaxTtlMs } from "../../src/config/cli.js";
import { ConfigError, loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };

describe("quota configuration", () => {
  it("has defaults a small deployment never reaches", () => {
    const config = loadConfig(minimal);
    expect(config.limits).toMatchObject({
      apiKeyRateLimit: { perSecond: 500, burst: 1000 },
      userRateLimit: { perSecond: 50, burst: 100 },
      sendRecipientsPerToken: 10,
      rateLimitSyncMs: 200,
      rateLimitMaxBuckets: 100_000,
      maxDevicesPerUser: 50,
      maxPreferenceCategoriesPerUser: 200,
    });
    expect(config.auth.userTokens).toMatchObject({ maxTtlMs: 24 * 3_600_000, revocationRefreshMs: 10_000 });
  });

  it("reads every variable; a rate of 0 turns that limit off; the burst defaults to two seconds' worth", () => {
    const config = loadConfig({
      ...minimal,
      RATE_LIMIT_API_KEY_PER_SECOND: "0",
      RATE_LIMIT_USER_PER_SECOND: "7",
      RATE_LIMIT_SEND_RECIPIENTS_PER_TOKEN: "100",
      RATE_LIMIT_SYNC_INTERVAL_MS: "0",
      RATE_LIMIT_MAX_BUCKETS: "500",
      MAX_DEVICES_PER_USER: "5",
      MAX_PREFERENCE_CATEGORIES_PER_USER: "20",
      HERALD_USER_TOKEN_MAX_TTL: "90m",
      USER_TOKEN_REVOCATION_REFRESH_MS: "2000",
    });
    expect(config.limits).toMatchObject({
      apiKeyRateLimit: null,
      userRateLimit: { perSecond: 7, burst: 14 },
      sendRecipientsPerToken: 100,
      rateLimitSyncMs: 0,
      rateLimitMaxBuckets: 500,
      maxDevicesPerUser: 5,
      maxPreferenceCategoriesPerUser: 20,
    });
    expect(config.auth.userTokens).toMatchObject({ maxTtlMs: 90 * 60_000, revocationRefreshMs: 2000 });
    expect(loadConfig({ ...minimal, RATE_LIMIT_USER_BURST: "3" }).limits.userRateLimit).toEqual({
      perSecond: 50,
      burst: 3,
    });
  });

  it("names each bad value", () => {
    const bad = {
      ...minimal,
      RATE_LIMIT_API_KEY_PER_SECOND: "-1",
      RATE_LIMIT_USER_BURST: "0",
      MAX_DEVICES_PER_USER: "0",
      MAX_PREFERENCE_CATEGORIES_PER_USER: "many",
      HERALD_USER_TOKEN_MAX_TTL: "100 years",
    };
    const problems = (() => {
      try {
        loadConfig(bad);
        return "";
      } catch (e) {
        return (e as ConfigError).problems.join("\n");
      }
    })();
    for (const name of Object.keys(bad).filter((n) => !(n in minimal))) expect(problems).toContain(name);
    expect(() => loadConfig({ ...minimal, HERALD_USER_TOKEN_MAX_TTL: "30s" })).toThrow(ConfigError);
  });

  it("herald token reads the maximum lifetime alone", () => {
    expect(readUserTokenMaxTtlMs({})).toBe(24 * 3_600_000);
    expect(readUserTokenMaxTtlMs({ HERALD_USER_TOKEN_MAX_TTL: "2h" })).toBe(7_200_000);
    expect(() => readUserTokenMaxTtlMs({ HERALD_USER_TOKEN_MAX_TTL: "forever" })).toThrow(ConfigError);
  });
});
