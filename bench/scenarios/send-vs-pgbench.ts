import path from "node:path";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { startHerald } from "../lib/herald.js";
import { type LoadMessage, runMeasured } from "../lib/load.js";
import { formatCpu } from "../lib/machine.js";
import { type PgbenchResult, pgbenchSetupSql, runPgbench } from "../lib/pgbench.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import { dbActivityWindow, perCall } from "../lib/stack.js";
import type { LatencySummary } from "../lib/stats.js";
import type { SendLoadConfig } from "../load/send-load.js";

export interface SendResult extends LoadMessage {
  calls: number;
  errors: number;
  firstError: string;
  seconds: number;
  callsPerSecond: number;
  notificationsPerSecond: number;
  latencyMs: LatencySummary;
  clientCpuPct: number;
}

const levels = [1, 8, 32, 64];
const targetRatio = 0.5;
const targetLevel = 32;

/**
 * 1. Unary Send, in-app only, one recipient, at several concurrencies; after
 * each, pgbench inserting one notification-shaped row per transaction at the
 * same concurrency on the same Postgres: the commit ceiling Send could reach.
 */
export const sendVsPgbench: Scenario = {
  id: 1,
  title: "Unary Send vs pgbench",
  async run(ctx) {
    const seconds = ctx.quick ? 3 : 10;
    const warmupMs = ctx.quick ? 1000 : 2000;
    const herald = await startHerald(ctx.stack, { name: "send", cpuProfDir: ctx.cpuProfDir("1-send") });
    const rows: ResultRow[] = [];
    const runs: Array<{
      concurrency: number;
      herald: SendResult;
      cpu: Record<string, number>;
      postgresPerSend: Record<string, number>;
      pgbench: PgbenchResult;
    }> = [];
    try {
      await ctx.stack.sql(herald.database, pgbenchSetupSql);
      for (const concurrency of levels) {
        const config: SendLoadConfig = {
          port: herald.port,
          apiKey: herald.apiKey,
          concurrency,
          connections: Math.min(concurrency, 4),
          recipients: 1,
          userPool: 10_000,
          userPrefix: "user-",
          channels: [Channel.IN_APP],
          category: "bench.send",
          warmupMs,
          durationMs: seconds * 1000,
          maxCalls: 1_000_000,
        };
        const { result, cpu, window } = await runMeasured<SendResult, Record<string, number>>(
          "send-load",
          config,
          herald.processGroups(),
          120_000,
          () => dbActivityWindow(ctx.stack, herald.database),
        );
        const postgres = perCall(window, result.calls);
        const pgbench = await runPgbench({
          port: ctx.stack.postgres.port,
          database: herald.database,
          password: "herald",
          clients: concurrency,
          seconds,
          workDir: path.join(ctx.stack.scratch, "pgbench"),
          processGroups: { postgres: ctx.stack.processGroups().postgres as () => number[] },
        });
        ctx.log(
          `c=${concurrency}: Herald ${fmt(result.callsPerSecond)} Send/s, ${formatCpu(cpu)}, per Send ${JSON.stringify(postgres)}; pgbench ${fmt(pgbench.tps)} tx/s, ${formatCpu(pgbench.cpu)}`,
        );
        runs.push({ concurrency, herald: result, cpu, postgresPerSend: postgres, pgbench });
        const ratio = result.callsPerSecond / pgbench.tps;
        const targeted = concurrency === targetLevel;
        rows.push({
          setting: `Herald c=${concurrency} (${ratio.toFixed(2)}× pgbench)`,
          throughput: { value: result.callsPerSecond, unit: "Send/s" },
          latencyMs: result.latencyMs,
          target: targeted ? `Herald/pgbench ≥ ${targetRatio}` : "",
          met: targeted ? ratio >= targetRatio : null,
          ...(targeted && {
            key: {
              label: `1. Send c=${concurrency}, Herald / pgbench`,
              value: result.callsPerSecond,
              target: targetRatio,
              unit: "/s",
              higherIsBetter: true,
              peer: { name: "pgbench", value: pgbench.tps },
            },
          }),
        });
        rows.push({
          setting: `pgbench c=${concurrency}`,
          throughput: { value: pgbench.tps, unit: "tx/s" },
          latencyMs: pgbench.latencyMs,
          target: "",
          met: null,
        });
      }
    } finally {
      await herald.stop();
    }
    return {
      rows,
      details: {
        runs: runs.map((r) => ({ ...r, ratio: r.herald.callsPerSecond / r.pgbench.tps })),
      },
      notes: [
        `Send: one recipient, CHANNEL_IN_APP, @grpc/grpc-js from a separate load process, concurrency N over min(N, 4) HTTP/2 connections, ${warmupMs / 1000} s warm-up then ${seconds} s measured; recipients rotate over 10,000 users.`,
        `pgbench: \`pgbench -c N -j min(N,2) -T ${seconds}\` over TCP against the same Postgres, one INSERT of a notification-sized row per transaction into a table made with \`LIKE notifications INCLUDING ALL\` (same indexes).`,
        "Per Send, the JSON also has Postgres commits and rows inserted/updated/read in Herald's database (pg_stat_database over the measured window, good to about 10%; a read outside a transaction counts as a commit), and the CPU use of every process.",
      ],
    };
  },
};
