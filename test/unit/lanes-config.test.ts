import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { laneOf } from "../../src/domain/lane.js";

const base = {
  DATABASE_URL: "postgres://x@127.0.0.1/db",
  NATS_URL: "nats://127.0.0.1:4222",
  HERALD_USER_TOKEN_SECRET: "s".repeat(32),
};

describe("priority lanes", () => {
  it("give the bulk lane DELIVERY_CONCURRENCY (16) and the urgent lane DELIVERY_URGENT_CONCURRENCY (8)", () => {
    expect(loadConfig(base).delivery).toMatchObject({ concurrency: 16, urgentConcurrency: 8 });
    expect(loadConfig({ ...base, DELIVERY_CONCURRENCY: "4", DELIVERY_URGENT_CONCURRENCY: "2" }).delivery).toMatchObject(
      { concurrency: 4, urgentConcurrency: 2 },
    );
  });

  it("refuse an urgent concurrency outside 1 to 1000", () => {
    expect(() => loadConfig({ ...base, DELIVERY_URGENT_CONCURRENCY: "0" })).toThrow(/DELIVERY_URGENT_CONCURRENCY/);
    expect(() => loadConfig({ ...base, DELIVERY_URGENT_CONCURRENCY: "1001" })).toThrow(/DELIVERY_URGENT_CONCURRENCY/);
  });

  it("send high and critical notifications to the urgent lane, the rest to bulk", () => {
    expect(["critical", "high", "normal", "low"].map((p) => laneOf(p as "low"))).toEqual([
      "urgent",
      "urgent",
      "bulk",
      "bulk",
    ]);
  });
});
