import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };

describe("DATABASE_POOL_MIN", () => {
  it("defaults to DATABASE_POOL_MAX: a fixed-size pool", () => {
    expect(loadConfig(minimal).postgres).toMatchObject({ poolMax: 10, poolMin: 10 });
    expect(loadConfig({ ...minimal, DATABASE_POOL_MAX: "20" }).postgres).toMatchObject({ poolMax: 20, poolMin: 20 });
  });

  it("takes a smaller floor, down to 0", () => {
    expect(loadConfig({ ...minimal, DATABASE_POOL_MIN: "2" }).postgres.poolMin).toBe(2);
    expect(loadConfig({ ...minimal, DATABASE_POOL_MIN: "0" }).postgres.poolMin).toBe(0);
  });

  it("refuses a floor above DATABASE_POOL_MAX", () => {
    expect(() => loadConfig({ ...minimal, DATABASE_POOL_MAX: "4", DATABASE_POOL_MIN: "5" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...minimal, DATABASE_POOL_MAX: "4", DATABASE_POOL_MIN: "5" })).toThrow(
      /DATABASE_POOL_MIN must be at most DATABASE_POOL_MAX \(4\), got 5/,
    );
  });
});
