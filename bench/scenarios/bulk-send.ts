import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { startHerald } from "../lib/herald.js";
import { runMeasured } from "../lib/load.js";
import { formatCpu } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import { dbActivityWindow, perCall } from "../lib/stack.js";
import type { SendLoadConfig } from "../load/send-load.js";
import type { SendResult } from "./send-vs-pgbench.js";

const target = 50_000;
const concurrency = 4;

/** 2. Send to 100 and to 1,000 recipients per call (in-app only): notifications per second. */
export const bulkSend: Scenario = {
  id: 2,
  title: "Bulk Send",
  async run(ctx) {
    const seconds = ctx.quick ? 3 : 10;
    const herald = await startHerald(ctx.stack, { name: "bulk", cpuProfDir: ctx.cpuProfDir("2-bulk") });
    const rows: ResultRow[] = [];
    const runs: Array<{
      recipients: number;
      result: SendResult;
      cpu: object;
      postgresPerSend: Record<string, number>;
    }> = [];
    try {
      for (const recipients of [100, 1000]) {
        const config: SendLoadConfig = {
          port: herald.port,
          apiKey: herald.apiKey,
          concurrency,
          connections: 2,
          recipients,
          userPool: 10_000,
          userPrefix: "user-",
          channels: [Channel.IN_APP],
          category: "bench.bulk",
          warmupMs: ctx.quick ? 1000 : 2000,
          durationMs: seconds * 1000,
          maxCalls: 100_000,
        };
        const { result, cpu, window } = await runMeasured<SendResult, Record<string, number>>(
          "send-load",
          config,
          herald.processGroups(),
          120_000,
          () => dbActivityWindow(ctx.stack, herald.database),
        );
        const postgres = perCall(window, result.calls);
        ctx.log(
          `${recipients} recipients: ${fmt(result.notificationsPerSecond)} notifications/s (${fmt(result.callsPerSecond)} calls/s), ${formatCpu(cpu)}, per Send ${JSON.stringify(postgres)}`,
        );
        runs.push({ recipients, result, cpu, postgresPerSend: postgres });
        const targeted = recipients === 1000;
        rows.push({
          setting: `${recipients.toLocaleString("en-US")} recipients/call, c=${concurrency}`,
          throughput: { value: result.notificationsPerSecond, unit: "notifications/s" },
          latencyMs: result.latencyMs,
          target: targeted ? `≥ ${target.toLocaleString("en-US")} notifications/s` : "",
          met: targeted ? result.notificationsPerSecond >= target : null,
          ...(targeted && {
            key: {
              label: "2. Bulk Send (1,000 recipients)",
              value: result.notificationsPerSecond,
              target,
              unit: "/s",
              higherIsBetter: true,
            },
          }),
        });
      }
    } finally {
      await herald.stop();
    }
    return {
      rows,
      details: { runs },
      notes: [
        `Bulk Send: CHANNEL_IN_APP, ${concurrency} calls in flight over 2 HTTP/2 connections, ${seconds} s measured after a warm-up; calls in flight together name disjoint users (10,000 in all). Latency is per call.`,
      ],
    };
  },
};
