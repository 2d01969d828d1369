import { describe, expect, it } from "vitest";
import type { ConfigError } from "../../src/config.js";
import { loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ ...minimal, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe("live feed limits and metrics exposure", () => {
  it("default to limits a small deployment never reaches, and metrics on loopback", () => {
    const config = loadConfig(minimal);
    expect(config.feed).toMatchObject({
      maxStreamsPerUser: 32,
      maxStreams: 20_000,
      readConcurrency: 3,
      readQueueMax: 2_000,
    });
    expect(config.telemetry).toMatchObject({ metricsHost: "127.0.0.1", metricsRefreshIntervalMs: 5_000 });
  });

  it("parses each variable", () => {
    const config = loadConfig({
      ...minimal,
      FEED_MAX_STREAMS_PER_USER: "8",
      FEED_MAX_STREAMS: "500",
      FEED_READ_CONCURRENCY: "5",
      FEED_READ_QUEUE_MAX: "100",
      METRICS_HOST: "0.0.0.0",
      METRICS_REFRESH_INTERVAL_MS: "15000",
    });
    expect(config.feed).toMatchObject({ maxStreamsPerUser: 8, maxStreams: 500, readConcurrency: 5, readQueueMax: 100 });
    expect(config.telemetry).toMatchObject({ metricsHost: "0.0.0.0", metricsRefreshIntervalMs: 15_000 });
    expect(loadConfig({ ...minimal, METRICS_HOST: "::1" }).telemetry.metricsHost).toBe("::1");
  });

  it("keeps feed reads below the pool's size, also by default", () => {
    expect(loadConfig({ ...minimal, DATABASE_POOL_MAX: "2" }).feed.readConcurrency).toBe(1);
    expect(loadConfig({ ...minimal, DATABASE_POOL_MAX: "6" }).feed.readConcurrency).toBe(2);
    expect(loadConfig({ ...minimal, DATABASE_POOL_MAX: "50" }).feed.readConcurrency).toBe(3);
    expect(problemsOf({ DATABASE_POOL_MAX: "4", FEED_READ_CONCURRENCY: "4" }).join("\n")).toMatch(
      /FEED_READ_CONCURRENCY must be below DATABASE_POOL_MAX \(4\)/,
    );
  });

  it("refuses values out of range, naming the variable", () => {
    const problems = problemsOf({
      FEED_MAX_STREAMS_PER_USER: "0",
      FEED_MAX_STREAMS: "many",
      FEED_READ_CONCURRENCY: "0",
      FEED_READ_QUEUE_MAX: "-1",
      METRICS_HOST: "not a host!",
      METRICS_REFRESH_INTERVAL_MS: "10",
    }).join("\n");
    for (const name of [
      "FEED_MAX_STREAMS_PER_USER",
      "FEED_MAX_STREAMS ",
      "FEED_READ_CONCURRENCY",
      "FEED_READ_QUEUE_MAX",
      "METRICS_HOST",
      "METRICS_REFRESH_INTERVAL_MS",
    ]) {
      expect(problems).toContain(name);
    }
  });
});
