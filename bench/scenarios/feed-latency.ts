import { type FeedServer, peerFigure, peerLabel, runInterleaved } from "../lib/feed-servers.js";
import { type LoadMessage, runMeasured } from "../lib/load.js";
import { formatCpu } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
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

/** Herald's p99 may be at most this many times Centrifugo's, measured in the same run. */
const targetRatio = 3;

/**
 * 3. Publish-to-feed latency at a fixed rate of messages spread over users who
 * each hold an open stream: Herald (in-app Send, Subscribe), then the peer
 * (Centrifugo: server API Publish, uni gRPC stream) with the same load.
 */
export const feedLatency: Scenario = {
  id: 3,
  title: "Send-to-feed latency",
  async run(ctx) {
    const shape = {
      users: 1000,
      rate: 1000,
      warmupMs: ctx.quick ? 1000 : 3000,
      durationMs: ctx.quick ? 5000 : 20_000,
      maxInFlight: 256,
    };
    const measure = async (server: FeedServer) => {
      const config: FeedLatencyConfig = { target: server.feed, ...shape };
      const { result, cpu } = await runMeasured<FeedLatencyResult>(
        "feed-latency",
        config,
        server.processGroups(),
        180_000,
      );
      const lat = result.msFromSendReturnToStream;
      ctx.log(
        `  ${fmt(result.achievedRate)} of ${shape.rate}/s achieved; call returned -> stream p50 ${lat.p50} p99 ${lat.p99} ms; ${result.missing} never arrived; ${formatCpu(cpu)}`,
      );
      // CPU time per message holds up better than latency on a busy machine.
      const cpuMsPerMessage = ((cpu[server.cpuGroup] ?? Number.NaN) * 10) / result.achievedRate;
      return { result, cpu, cpuMsPerMessage };
    };
    const { herald, peer } = await runInterleaved(ctx, "feed", ["herald", "peer"], measure);
    const r = herald.result.result;
    const lat = r.msFromSendReturnToStream;
    const peerP99 = peerFigure(peer, (p) => p.result.msFromSendReturnToStream.p99);
    const achieved = r.achievedRate >= shape.rate * 0.95 && r.missing === 0;
    const users = shape.users.toLocaleString("en-US");
    const rate = shape.rate.toLocaleString("en-US");
    const peerRow: ResultRow =
      "missing" in peer
        ? { setting: `${peerLabel}: ${peer.missing}`, throughput: null, latencyMs: null, target: "", met: null }
        : {
            setting: `${peerLabel}, same load; publish returned → stream (${fmt(peer.result.cpuMsPerMessage)} CPU ms/publish)`,
            throughput: { value: peer.result.result.achievedRate, unit: "publish/s achieved" },
            latencyMs: peer.result.result.msFromSendReturnToStream,
            target: "",
            met: null,
          };
    return {
      rows: [
        {
          setting: `Herald: ${users} streams, ${rate} Send/s offered; Send returned → stream (${fmt(herald.result.cpuMsPerMessage)} CPU ms/Send)`,
          throughput: { value: r.achievedRate, unit: "Send/s achieved" },
          latencyMs: lat,
          target: `${rate}/s achieved, p99 ≤ ${targetRatio}× ${peerLabel}'s${peerP99.value === null ? " (no peer figure)" : ""}`,
          met: peerP99.value === null ? null : achieved && lat.p99 <= targetRatio * peerP99.value,
          key: {
            label: "3. Send → feed p99, Herald / Centrifugo",
            value: lat.p99,
            target: targetRatio,
            unit: " ms",
            higherIsBetter: false,
            peer: peerP99,
          },
        },
        {
          setting: "Herald, same run; Send started → stream",
          throughput: null,
          latencyMs: r.msFromSendStartToStream,
          target: "",
          met: null,
        },
        peerRow,
      ],
      details: { config: shape, herald, peer },
      notes: [
        `${users} users each hold a stream with their own HS256 token (gRPC via @grpc/grpc-js, 100 streams per HTTP/2 connection); the same load process publishes to one user at a time, round-robin, open-loop at ${rate}/s (at most ${shape.maxInFlight} in flight; starts beyond that are skipped and counted) for ${shape.durationMs / 1000} s after a ${shape.warmupMs / 1000} s warm-up. Herald: in-app \`Send\` to a \`Subscribe\` stream. ${peerLabel}: gRPC server API \`Publish\` to the user's personal channel (history and recovery on), received on a uni gRPC \`Consume\` stream. Herald runs first, then ${peerLabel}, each on a fresh server; each run's load average and CPU (\`other\` included) are in the JSON. CPU ms per message: the server process's CPU time over the measured window divided by the messages published.`,
        `Latency is from the publishing call's response reaching the sender to the message reaching the stream, on one clock; negative when the message is first. The target counts as met only if Herald achieved the offered rate, every message arrived, and Herald's p99 is at most ${targetRatio}× ${peerLabel}'s in the same run (Herald writes each notification to Postgres before Send returns; ${peerLabel} keeps history in memory).`,
      ],
    };
  },
};
