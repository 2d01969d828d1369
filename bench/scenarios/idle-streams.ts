import { type FeedServer, peerFigure, peerLabel, runInterleaved } from "../lib/feed-servers.js";
import { type LoadMessage, startLoad } from "../lib/load.js";
import { cpuWindow, formatCpu } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import type { LatencySummary } from "../lib/stats.js";
import type { IdleStreamsConfig } from "../load/idle-streams.js";

/** What the idle-streams load process answers after `deliver`. */
interface IdleResult extends LoadMessage {
  received: number;
  missing: number;
  streamFailures: number;
  msUntilSendsReturned: number;
  msUntilAllReached: number;
  msUntilReached: LatencySummary;
}

/** Herald's memory per stream may be at most this share of Centrifugo's. */
const memoryRatio = 0.6;
/** Herald's time to reach every stream may be at most this many times Centrifugo's. */
const reachRatio = 1.5;
/** Stands in for "never reached all" in the chart. */
const neverMs = 30_000;

/**
 * 4. Many idle streams on one server: resident memory per stream, and how long
 * one message to every user takes to reach every stream. The peer
 * (Centrifugo) runs first, then Herald, with the same load.
 */
export const idleStreams: Scenario = {
  id: 4,
  title: "Idle streams",
  async run(ctx) {
    const streams = ctx.quick ? 2000 : 10_000;
    const measure = async (server: FeedServer) => {
      const config: IdleStreamsConfig = { target: server.feed, streams, perConnection: 100, recipientsPerCall: 1000 };
      const load = startLoad("idle-streams", config);
      try {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const rssBeforeKiB = server.rssKiB();
        const opened = await load.next<{ type: string; openSeconds: number }>("opened", 240_000);
        await new Promise((resolve) => setTimeout(resolve, 3000)); // let allocation settle
        const rssAfterKiB = server.rssKiB();
        const window = cpuWindow({ ...server.processGroups(), load: () => [load.pid] });
        load.command({ type: "deliver" });
        const result = await load.next<IdleResult>("result", 120_000);
        const cpu = window.stop();
        const kibPerStream = (rssAfterKiB - rssBeforeKiB) / streams;
        const reachMs = Number.isFinite(result.msUntilAllReached) ? result.msUntilAllReached : neverMs;
        ctx.log(
          `  ${streams} streams opened in ${opened.openSeconds.toFixed(1)} s; RSS ${fmt(rssBeforeKiB / 1024)} -> ${fmt(rssAfterKiB / 1024)} MiB = ${kibPerStream.toFixed(1)} KiB/stream; all reached in ${fmt(reachMs)} ms; ${formatCpu(cpu)}`,
        );
        return { rssBeforeKiB, rssAfterKiB, kibPerStream, reachMs, openSeconds: opened.openSeconds, result, cpu };
      } finally {
        await load.stop();
      }
    };
    const { herald, peer } = await runInterleaved(ctx, "idle", ["peer", "herald"], measure);
    const h = herald.result;
    const peerKiB = peerFigure(peer, (p) => p.kibPerStream);
    const peerReach = peerFigure(peer, (p) => p.reachMs);
    const n = streams.toLocaleString("en-US");
    const calls = `${streams / 1000} calls × 1,000`;
    const noPeer = peerKiB.value === null ? " (no peer figure)" : "";
    const within = (value: number, peerValue: number | null, ratio: number) =>
      peerValue === null ? null : value <= ratio * peerValue;
    const peerRows: ResultRow[] =
      "missing" in peer
        ? [{ setting: `${peerLabel}: ${peer.missing}`, throughput: null, latencyMs: null, target: "", met: null }]
        : [
            {
              setting: `${peerLabel}: ${n} idle uni gRPC streams: ${peer.result.kibPerStream.toFixed(1)} KiB RSS/stream`,
              throughput: null,
              latencyMs: null,
              target: "",
              met: null,
            },
            {
              setting: `${peerLabel}: one message to all ${n} (${calls} Broadcast): ms until each stream has it`,
              throughput: { value: peer.result.result.received / (peer.result.reachMs / 1000), unit: "messages/s" },
              latencyMs: peer.result.result.msUntilReached,
              target: "",
              met: null,
            },
          ];
    return {
      rows: [
        {
          setting: `Herald: ${n} idle streams (${n} users, ${streams / 100} connections): ${h.kibPerStream.toFixed(1)} KiB RSS/stream`,
          throughput: null,
          latencyMs: null,
          target: `≤ ${memoryRatio}× ${peerLabel}'s per stream${noPeer}`,
          met: within(h.kibPerStream, peerKiB.value, memoryRatio),
          key: {
            label: "4. Memory per idle stream, Herald / Centrifugo",
            value: h.kibPerStream,
            target: memoryRatio,
            unit: " KiB",
            higherIsBetter: false,
            peer: peerKiB,
          },
        },
        {
          setting: `Herald: one notification to all ${n} (${calls} recipients, durable write included): ms until each stream has it`,
          throughput: { value: h.result.received / (h.reachMs / 1000), unit: "events/s" },
          latencyMs: h.result.msUntilReached,
          target: `all reached ≤ ${reachRatio}× ${peerLabel}'s time${noPeer}`,
          met: h.result.missing === 0 ? within(h.reachMs, peerReach.value, reachRatio) : false,
          key: {
            label: `4. Reach all ${n} streams, Herald / Centrifugo`,
            value: h.reachMs,
            target: reachRatio,
            unit: " ms",
            higherIsBetter: false,
            peer: peerReach,
          },
        },
        ...peerRows,
      ],
      details: { streams, herald, peer },
      notes: [
        `${n} streams, one per user with the user's own HS256 token, 100 per HTTP/2 connection, opened 200 at a time from one load process: Herald's \`Subscribe\`, ${peerLabel}'s uni gRPC \`Consume\` subscribed on connect to the user's personal channel (history and recovery on). Memory: the server's VmRSS (/proc/<pid>/status) before opening and 3 s after the last stream was ready, divided by the streams (it includes the connections' buffers and whatever the first streams warmed up). ${peerLabel} runs first, then Herald, each on a fresh server; each run's load average and CPU (\`other\` included) are in the JSON.`,
        `Reach: all ${streams / 1000} calls of 1,000 recipients started at once (Herald: in-app \`Send\`, which writes every notification to Postgres first; ${peerLabel}: server API \`Broadcast\` to 1,000 personal channels); latency is from that start until each stream received the message; the max is the time to reach all. Herald's Sends returned after ${fmt(h.result.msUntilSendsReturned)} ms; ${h.result.missing} streams never got it; ${h.result.streamFailures} streams failed. The load process (all streams' client side) used ${h.cpu.load}% of a core meanwhile, Herald ${h.cpu.herald}%.`,
      ],
    };
  },
};
