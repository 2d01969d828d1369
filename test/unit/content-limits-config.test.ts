import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };

describe("content limits configuration", () => {
  it("defaults to limits a small deployment never reaches", () => {
    const config = loadConfig(minimal);
    expect(config.limits).toMatchObject({ dataMaxDepth: 10, dataMaxValues: 1_000, dataMaxKeyLength: 256 });
    expect(config.templates).toMatchObject({
      renderBudgetMs: 250,
      renderMaxIterations: 10_000,
      renderMaxBytes: 4_194_304,
      maxExpressions: 2_000,
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      ...minimal,
      DATA_MAX_DEPTH: "30",
      DATA_MAX_VALUES: "5000",
      DATA_MAX_KEY_LENGTH: "64",
      TEMPLATE_RENDER_BUDGET_MS: "1000",
      TEMPLATE_RENDER_MAX_ITERATIONS: "100000",
      TEMPLATE_RENDER_MAX_BYTES: "1048576",
      TEMPLATE_MAX_EXPRESSIONS: "500",
    });
    expect(config.limits).toMatchObject({ dataMaxDepth: 30, dataMaxValues: 5_000, dataMaxKeyLength: 64 });
    expect(config.templates).toMatchObject({
      renderBudgetMs: 1_000,
      renderMaxIterations: 100_000,
      renderMaxBytes: 1_048_576,
      maxExpressions: 500,
    });
  });

  it("refuses a depth clients could not read back, and other values out of range, naming each", () => {
    let error: unknown;
    try {
      loadConfig({
        ...minimal,
        DATA_MAX_DEPTH: "31",
        DATA_MAX_VALUES: "0",
        DATA_MAX_KEY_LENGTH: "long",
        TEMPLATE_RENDER_BUDGET_MS: "0",
        TEMPLATE_RENDER_MAX_ITERATIONS: "-1",
        TEMPLATE_RENDER_MAX_BYTES: "10",
        TEMPLATE_MAX_EXPRESSIONS: "0",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toContain("DATA_MAX_DEPTH must be an integer from 1 to 30");
    for (const name of [
      "DATA_MAX_VALUES",
      "DATA_MAX_KEY_LENGTH",
      "TEMPLATE_RENDER_BUDGET_MS",
      "TEMPLATE_RENDER_MAX_ITERATIONS",
      "TEMPLATE_RENDER_MAX_BYTES",
      "TEMPLATE_MAX_EXPRESSIONS",
    ]) {
      expect(problems).toContain(name);
    }
  });
});
