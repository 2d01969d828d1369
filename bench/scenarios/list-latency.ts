import { startHerald } from "../lib/herald.js";
import { loadListData } from "../lib/list-data.js";
import { type LoadMessage, startLoad } from "../lib/load.js";
import { cpuWindow, formatCpu } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import type { LatencySummary } from "../lib/stats.js";
import type { ListLoadConfig } from "../load/list-load.js";

const targetP99 = 5;
const perUser = 100;
const readPerUser = 70;

interface Phase extends LoadMessage {
  type: string;
  name: string;
  calls: number;
  callsPerSecond: number;
  skipped: number;
  errors: number;
  latencyMs: LatencySummary;
}

/**
 * 5. List (and the unread count it carries) on a big table: 100 notifications
 * per user, 10 million in all by default, loaded in SQL.
 */
export const listLatency: Scenario = {
  id: 5,
  title: "List at scale",
  async run(ctx) {
    const users = ctx.listRows / perUser;
    const herald = await startHerald(ctx.stack, { name: "list", cpuProfDir: ctx.cpuProfDir("5-list") });
    const rows: ResultRow[] = [];
    const phases: Array<Phase & { cpu: object }> = [];
    let load: Awaited<ReturnType<typeof loadListData>>;
    const rate = 250;
    try {
      ctx.log(
        `loading ${ctx.listRows.toLocaleString("en-US")} notifications for ${users.toLocaleString("en-US")} users...`,
      );
      load = await loadListData({
        url: ctx.stack.postgres.url(herald.database),
        users,
        perUser,
        readPerUser,
        userPrefix: "list-user-",
        log: ctx.log,
      });
      ctx.log(
        `data loaded in ${load.totalSeconds.toFixed(1)} s (table ${fmt(load.tableBytes / 2 ** 20)} MiB, indexes ${fmt(load.indexBytes / 2 ** 20)} MiB)`,
      );
      const config: ListLoadConfig = {
        port: herald.port,
        userTokenSecret: herald.userTokenSecret,
        users,
        userPrefix: "list-user-",
        perUser,
        unreadPerUser: perUser - readPerUser,
        deepPage: 4,
        walkUsers: ctx.quick ? 200 : 1000,
        rate,
        warmupMs: ctx.quick ? 1000 : 2000,
        durationMs: ctx.quick ? 3000 : 10_000,
        maxInFlight: 64,
        connections: 4,
      };
      const loadProcess = startLoad("list-load", config);
      try {
        for (let i = 0; i < 3; i++) {
          await loadProcess.next("measuring", 180_000);
          const window = cpuWindow({ ...herald.processGroups(), load: () => [loadProcess.pid] });
          const phase = await loadProcess.next<Phase>("phase", 120_000);
          const cpu = window.stop();
          phases.push({ ...phase, cpu });
          ctx.log(
            `${phase.name}: ${fmt(phase.callsPerSecond)} List/s, p99 ${phase.latencyMs.p99} ms, ${formatCpu(cpu)}`,
          );
          rows.push({
            setting: `${phase.name}, ${rate}/s offered`,
            throughput: { value: phase.callsPerSecond, unit: "List/s" },
            latencyMs: phase.latencyMs,
            target: `p99 ≤ ${targetP99} ms`,
            met: phase.latencyMs.p99 <= targetP99 && phase.errors === 0,
            key: {
              label: `5. List ${phase.name.replace(" via page_token", "")} p99`,
              value: phase.latencyMs.p99,
              target: targetP99,
              unit: " ms",
              higherIsBetter: false,
            },
          });
        }
        await loadProcess.next("result", 60_000);
      } finally {
        await loadProcess.stop();
      }
    } finally {
      await herald.stop();
    }
    const n = ctx.listRows.toLocaleString("en-US");
    return {
      rows,
      details: { rows: ctx.listRows, users, perUser, readPerUser, load, phases },
      notes: [
        `${n} notifications (${perUser} per user, ${readPerUser} of them read) across ${users.toLocaleString("en-US")} users, written with SQL into the tables of a migrated Herald database: secondary indexes dropped, rows inserted with INSERT ... SELECT generate_series in time order over two connections, indexes recreated from their pg_indexes definitions, then VACUUM (ANALYZE). Load took ${load.totalSeconds.toFixed(0)} s (insert ${load.insertSeconds.toFixed(0)} s, indexes ${load.indexSeconds.toFixed(0)} s, vacuum/analyze ${load.analyzeSeconds.toFixed(0)} s); table ${fmt(load.tableBytes / 2 ** 30)} GiB, indexes ${fmt(load.indexBytes / 2 ** 30)} GiB.`,
        `List calls with random users' own tokens, open-loop at ${rate}/s over 4 HTTP/2 connections (at most 64 in flight), page size 20 (default); each List also returns the unread count. The deeper page is page 4, reached by following next_page_token (walked first for ${ctx.quick ? 200 : 1000} random users).`,
      ],
    };
  },
};
