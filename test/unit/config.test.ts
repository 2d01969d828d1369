import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };

describe("loadConfig", () => {
  it("applies documented defaults", () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      server: { port: 8080, host: "0.0.0.0", corsAllowedOrigins: [] },
      postgres: { poolMax: 10, migrateOnStart: true },
      nats: { prefix: "herald" },
      auth: { userTokens: { secret: null } },
      feed: { heartbeatMs: 15_000, retentionDays: 30 },
      telemetry: { logLevel: "info" },
    });
  });

  it("parses every variable", () => {
    const config = loadConfig({
      ...minimal,
      PORT: "9000",
      MIGRATE_ON_START: "false",
      CORS_ALLOWED_ORIGINS: "https://a.example, https://b.example",
      HERALD_USER_TOKEN_SECRET: "x".repeat(32),
      HERALD_BOOTSTRAP_API_KEY: "hk_0123456789abcdef_abcdefghijklmnopqrstuvwxyz012345",
      FEED_HEARTBEAT_INTERVAL_MS: "5000",
    });
    expect(config.server.port).toBe(9000);
    expect(config.postgres.migrateOnStart).toBe(false);
    expect(config.server.corsAllowedOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(config.feed.heartbeatMs).toBe(5000);
  });

  it("lists every problem at once, naming each variable", () => {
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: "mysql://x",
        PORT: "eighty",
        HERALD_USER_TOKEN_SECRET: "short",
        HERALD_BOOTSTRAP_API_KEY: "letmein",
        LOG_LEVEL: "loud",
        NATS_SUBJECT_PREFIX: "a.b",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of [
      "DATABASE_URL",
      "NATS_URL",
      "PORT",
      "HERALD_USER_TOKEN_SECRET",
      "HERALD_BOOTSTRAP_API_KEY",
      "LOG_LEVEL",
      "NATS_SUBJECT_PREFIX",
    ]) {
      expect(problems).toContain(name);
    }
  });
});

describe("the README", () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");

  it("documents every variable the config module reads", () => {
    const read = new Set<string>();
    loadConfig(
      new Proxy(minimal as Record<string, string | undefined>, {
        get(target, name: string) {
          read.add(name);
          return target[name];
        },
      }),
    );
    expect(read.size).toBeGreaterThan(15);
    for (const name of read) {
      // A fallback provider's variables (SMTP_URL_2 ... _5) are documented together, by their `_2` name.
      const fallback = /^(.+)_[2-5]$/.exec(name);
      if (fallback !== null) expect(readme, name).toContain(`\`${fallback[1]}_2\``);
      else expect(readme, name).toContain(`| \`${name}\` |`);
    }
  });

  it("gives the two lines a newcomer copies", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm ci && npm test");
  });
});
