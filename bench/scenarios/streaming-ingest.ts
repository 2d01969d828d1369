import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { startHerald } from "../lib/herald.js";
import { type LoadMessage, runMeasured } from "../lib/load.js";
import { formatCpu } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import type { LatencySummary } from "../lib/stats.js";
import type { SendLoadConfig } from "../load/send-load.js";
import type { SendStreamLoadConfig } from "../load/send-stream-load.js";
import type { SendResult } from "./send-vs-pgbench.js";

interface StreamResult extends LoadMessage {
  items: number;
  errors: number;
  firstError: string;
  seconds: number;
  notificationsPerSecond: number;
  latencyMs: LatencySummary;
}

const unaryConcurrency = 32;
const streamCounts = [1, 4];

/**
 * 11. Streaming ingest: 100,000 single-recipient notifications (in-app only)
 * through unary Send at c=32, then through SendStream on one stream and on
 * four; each run on the same Herald, users disjoint per run.
 */
export const streamingIngest: Scenario = {
  id: 11,
  title: "Streaming ingest: SendStream vs unary Send",
  async run(ctx) {
    const total = ctx.quick ? 10_000 : 100_000;
    const herald = await startHerald(ctx.stack, { name: "ingest", cpuProfDir: ctx.cpuProfDir("11-ingest") });
    const rows: ResultRow[] = [];
    const runs: Record<string, unknown>[] = [];
    try {
      const unary: SendLoadConfig = {
        port: herald.port,
        apiKey: herald.apiKey,
        concurrency: unaryConcurrency,
        connections: 2,
        recipients: 1,
        userPool: 100_000,
        userPrefix: "unary-",
        channels: [Channel.IN_APP],
        category: "bench.ingest",
        warmupMs: 0,
        durationMs: 15 * 60_000,
        maxCalls: total,
      };
      const u = await runMeasured<SendResult>("send-load", unary, herald.processGroups(), 20 * 60_000);
      ctx.log(`unary c=${unaryConcurrency}: ${fmt(u.result.notificationsPerSecond)}/s, ${formatCpu(u.cpu)}`);
      runs.push({ mode: "unary", result: u.result, cpu: u.cpu });
      rows.push({
        setting: `unary Send, c=${unaryConcurrency}`,
        throughput: { value: u.result.notificationsPerSecond, unit: "notifications/s" },
        latencyMs: u.result.latencyMs,
        target: "",
        met: null,
      });
      for (const streams of streamCounts) {
        const config: SendStreamLoadConfig = {
          port: herald.port,
          apiKey: herald.apiKey,
          streams,
          connections: Math.min(streams, 2),
          total,
          userPool: 100_000,
          userPrefix: `stream${streams}-`,
          channels: [Channel.IN_APP],
          category: "bench.ingest",
        };
        const s = await runMeasured<StreamResult>("send-stream-load", config, herald.processGroups(), 20 * 60_000);
        if (s.result.errors > 0)
          throw new Error(`SendStream answered ${s.result.errors} errors: ${s.result.firstError}`);
        ctx.log(`SendStream x${streams}: ${fmt(s.result.notificationsPerSecond)}/s, ${formatCpu(s.cpu)}`);
        runs.push({ mode: `stream x${streams}`, result: s.result, cpu: s.cpu });
        const ratio = s.result.notificationsPerSecond / u.result.notificationsPerSecond;
        rows.push({
          setting: `SendStream, ${streams} stream${streams > 1 ? "s" : ""} (${fmt(ratio)}x unary)`,
          throughput: { value: s.result.notificationsPerSecond, unit: "notifications/s" },
          latencyMs: s.result.latencyMs,
          target: "",
          met: null,
        });
      }
    } finally {
      await herald.stop();
    }
    return {
      rows,
      details: { runs },
      notes: [
        `${total.toLocaleString("en-US")} single-recipient in-app Sends per run. Unary: ${unaryConcurrency} calls in flight over 2 HTTP/2 connections (@grpc/grpc-js client), latency per call. SendStream: each stream writes as fast as flow control allows (SEND_STREAM_WINDOW items worked on at once, default 32); latency is from writing an item to reading its answer, so it includes the time the item waited in the stream.`,
      ],
    };
  },
};
