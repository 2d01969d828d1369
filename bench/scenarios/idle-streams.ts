import { startHerald } from "../lib/herald.js";
import { startLoad } from "../lib/load.js";
import { cpuWindow, formatCpu } from "../lib/machine.js";
import { fmt, type Scenario } from "../lib/scenario.js";
import type { LatencySummary } from "../lib/stats.js";
import type { IdleStreamsConfig } from "../load/idle-streams.js";

const targetKiB = 20;
const targetReachMs = 1000;

/**
 * 4. Many idle Subscribe streams on one Herald: resident memory per stream, and
 * how long one notification to every user takes to reach every stream.
 */
export const idleStreams: Scenario = {
  id: 4,
  title: "Idle streams",
  async run(ctx) {
    const streams = ctx.quick ? 2000 : 10_000;
    const herald = await startHerald(ctx.stack, { name: "idle", cpuProfDir: ctx.cpuProfDir("4-idle") });
    const config: IdleStreamsConfig = {
      port: herald.port,
      apiKey: herald.apiKey,
      userTokenSecret: herald.userTokenSecret,
      streams,
      perConnection: 100,
      recipientsPerCall: 1000,
    };
    const load = startLoad("idle-streams", config);
    let rssBefore: number;
    let rssAfter: number;
    let opened: { openSeconds: number };
    let cpu: Record<string, number>;
    let r: {
      received: number;
      missing: number;
      streamFailures: number;
      msUntilSendsReturned: number;
      msUntilAllReached: number;
      msUntilReached: LatencySummary;
    };
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      rssBefore = herald.rssKiB();
      opened = await load.next<{ type: string; openSeconds: number }>("opened", 240_000);
      await new Promise((resolve) => setTimeout(resolve, 3000)); // let allocation settle
      rssAfter = herald.rssKiB();
      const window = cpuWindow({ ...herald.processGroups(), load: () => [load.pid] });
      load.command({ type: "deliver" });
      r = await load.next<typeof r & { type: string }>("result", 120_000);
      cpu = window.stop();
    } finally {
      await load.stop();
      await herald.stop();
    }
    const kibPerStream = (rssAfter - rssBefore) / streams;
    const reachMs = r.msUntilAllReached;
    ctx.log(
      `${streams} streams opened in ${opened.openSeconds.toFixed(1)} s; RSS ${fmt(rssBefore / 1024)} -> ${fmt(rssAfter / 1024)} MiB = ${kibPerStream.toFixed(1)} KiB/stream; all reached in ${fmt(reachMs)} ms; ${formatCpu(cpu)}`,
    );
    const n = streams.toLocaleString("en-US");
    return {
      rows: [
        {
          setting: `${n} idle streams (${n} users, ${streams / 100} connections): ${kibPerStream.toFixed(1)} KiB RSS/stream`,
          throughput: null,
          latencyMs: null,
          target: `≤ ${targetKiB} KB/stream`,
          met: kibPerStream <= targetKiB,
          key: {
            label: "4. Memory per idle stream",
            value: kibPerStream,
            target: targetKiB,
            unit: " KiB",
            higherIsBetter: false,
          },
        },
        {
          setting: `one notification to all ${n} (${streams / 1000} Sends × 1,000): ms until each stream has it`,
          throughput: { value: r.received / ((Number.isFinite(reachMs) ? reachMs : 30_000) / 1000), unit: "events/s" },
          latencyMs: r.msUntilReached,
          target: `all reached ≤ ${targetReachMs} ms`,
          met: Number.isFinite(reachMs) && reachMs <= targetReachMs,
          key: {
            label: `4. Reach all ${n} streams`,
            value: Number.isFinite(reachMs) ? reachMs : 30_000,
            target: targetReachMs,
            unit: " ms",
            higherIsBetter: false,
          },
        },
      ],
      details: { streams, rssBeforeKiB: rssBefore, rssAfterKiB: rssAfter, kibPerStream, opened, result: r, cpu },
      notes: [
        `${n} Subscribe streams, one per user with the user's own token, 100 per HTTP/2 connection, opened 200 at a time from one load process. Memory: Herald's VmRSS (/proc/<pid>/status) before opening and 3 s after the last stream synced, divided by the streams (it includes the connections' buffers and whatever the first streams warmed up).`,
        `Reach: all ${streams / 1000} Sends of 1,000 recipients (in-app) started at once; latency is from that start until each stream received its \`created\` event; the max is the time to reach all. Sends returned after ${fmt(r.msUntilSendsReturned)} ms; ${r.missing} streams never got it; ${r.streamFailures} streams failed. The load process (all streams' client side) used ${cpu.load}% of a core meanwhile, Herald ${cpu.herald}%.`,
      ],
    };
  },
};
