import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

const base = {
  DATABASE_URL: "postgres://x@127.0.0.1/db",
  NATS_URL: "nats://127.0.0.1:4222",
  HERALD_USER_TOKEN_SECRET: "s".repeat(32),
};

describe("FANOUT_* and SEND_STREAM* settings", () => {
  it("default to chunks of 250, 2 at once, 10 fan-outs per key; streams of 32 items, 8 per key, 256 in all", () => {
    const config = loadConfig(base);
    expect(config.fanout).toEqual({
      chunkSize: 250,
      chunksPerRound: 20,
      concurrency: 2,
      chunksInFlight: 8,
      maxInFlightPerSender: 10,
      maxInFlightPerTenant: 20,
      ackWaitMs: 120_000,
      retentionDays: 7,
    });
    expect(config.send).toMatchObject({
      streamWindow: 32,
      maxStreamsPerSender: 8,
      maxStreams: 256,
      streamIdleMs: 300_000,
    });
  });

  it("refuses chunks over Send's 1,000 recipients and a concurrency the pool cannot hold", () => {
    expect(() => loadConfig({ ...base, FANOUT_CHUNK_SIZE: "1001" })).toThrow(/FANOUT_CHUNK_SIZE/);
    expect(() => loadConfig({ ...base, DATABASE_POOL_MAX: "4", FANOUT_CONCURRENCY: "4" })).toThrow(
      /FANOUT_CONCURRENCY must be below DATABASE_POOL_MAX \(4\)/,
    );
  });
});
