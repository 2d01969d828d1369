import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };

describe("topics configuration", () => {
  it("defaults to 100,000 topics of up to 10,000,000 members, removals kept 48 hours", () => {
    expect(loadConfig(minimal).topics).toEqual({
      topicsMax: 100_000,
      topicMaxSubscribers: 10_000_000,
      topicRemovalsRetentionHours: 48,
    });
  });

  it("reads each variable, and refuses bad values naming them", () => {
    const config = loadConfig({
      ...minimal,
      TOPICS_MAX: "10",
      TOPIC_MAX_SUBSCRIBERS: "500",
      TOPIC_REMOVALS_RETENTION_HOURS: "1",
    });
    expect(config.topics).toEqual({ topicsMax: 10, topicMaxSubscribers: 500, topicRemovalsRetentionHours: 1 });
    let error: unknown;
    try {
      loadConfig({ ...minimal, TOPICS_MAX: "0", TOPIC_MAX_SUBSCRIBERS: "many", TOPIC_REMOVALS_RETENTION_HOURS: "0" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of ["TOPICS_MAX", "TOPIC_MAX_SUBSCRIBERS", "TOPIC_REMOVALS_RETENTION_HOURS"]) {
      expect(problems).toContain(name);
    }
  });
});
