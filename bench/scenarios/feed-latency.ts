import { startHerald } from "../lib/herald.js";
import { type LoadMessage, runMeasured } from "../lib/load.js";
import { formatCpu } from "../lib/machine.js";
import { fmt, type Scenario } from "../lib/scenario.js";
import type { LatencySummary } from "../lib/stats.js";
import type { FeedLatencyConfig } from "../load/feed-latency.js";

interface FeedLatencyResult extends LoadMessage {
  offeredRate: number;
  achievedRate: number;
  sends: number;
  skipped: number;
  errors: number;
  missing: number;
  msFromSendReturnToStream: LatencySummary;
  msFromSendStartToStream: LatencySummary;
  sendCallMs: LatencySummary;
}

const targetP99 = 10;

/**
 * 3. Send-to-feed latency at a fixed rate of in-app Sends spread over users who
 * each have an open Subscribe stream.
 */
export const feedLatency: Scenario = {
  id: 3,
  title: "Send-to-feed latency",
  async run(ctx) {
    const herald = await startHerald(ctx.stack, { name: "feed", cpuProfDir: ctx.cpuProfDir("3-feed") });
    const config: FeedLatencyConfig = {
      port: herald.port,
      apiKey: herald.apiKey,
      userTokenSecret: herald.userTokenSecret,
      users: 1000,
      rate: 1000,
      warmupMs: ctx.quick ? 1000 : 3000,
      durationMs: ctx.quick ? 5000 : 20_000,
      maxInFlight: 256,
    };
    let r: FeedLatencyResult;
    let cpu: Record<string, number>;
    try {
      ({ result: r, cpu } = await runMeasured<FeedLatencyResult>(
        "feed-latency",
        config,
        herald.processGroups(),
        180_000,
      ));
    } finally {
      await herald.stop();
    }
    const lat = r.msFromSendReturnToStream;
    ctx.log(
      `${fmt(r.achievedRate)} of ${config.rate} Send/s achieved; Send return -> stream p50 ${lat.p50} p99 ${lat.p99} ms; ${r.missing} never arrived; ${formatCpu(cpu)}`,
    );
    const met = lat.p99 <= targetP99 && r.missing === 0 && r.achievedRate >= config.rate * 0.95;
    return {
      rows: [
        {
          setting: `${config.users.toLocaleString("en-US")} streams, ${config.rate.toLocaleString("en-US")} Send/s offered; Send returned → stream`,
          throughput: { value: r.achievedRate, unit: "Send/s achieved" },
          latencyMs: lat,
          target: `p99 ≤ ${targetP99} ms at ${config.rate.toLocaleString("en-US")}/s`,
          met,
          key: { label: "3. Send → feed p99", value: lat.p99, target: targetP99, unit: " ms", higherIsBetter: false },
        },
        {
          setting: "same run; Send started → stream",
          throughput: null,
          latencyMs: r.msFromSendStartToStream,
          target: "",
          met: null,
        },
      ],
      details: { config: { ...config, apiKey: undefined, userTokenSecret: undefined }, result: r, cpu },
      notes: [
        `${config.users.toLocaleString("en-US")} users each hold a Subscribe stream (user token, gRPC via @grpc/grpc-js, 100 streams per HTTP/2 connection); the same load process sends in-app notifications to one user at a time, round-robin, open-loop at ${config.rate.toLocaleString("en-US")}/s (at most ${config.maxInFlight} in flight; starts beyond that are skipped and counted) for ${config.durationMs / 1000} s after a ${config.warmupMs / 1000} s warm-up.`,
        "Latency is from the Send response reaching the sender to the `created` event reaching the stream, on one clock; negative when the event is first. The target counts as met only if the offered rate was achieved and every event arrived.",
      ],
    };
  },
};
