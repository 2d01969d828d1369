import os from "node:os";
import type { FeedTargetConfig } from "../load/feed-target.js";
import { centrifugoName, startCentrifugo } from "./centrifugo.js";
import { startHerald } from "./herald.js";
import type { ProcessGroups } from "./machine.js";
import { type ScenarioContext, ScenarioFailure } from "./scenario.js";

/** Herald, or the peer it is compared with (Centrifugo), as the server of a feed scenario. */
export type FeedServerKind = "herald" | "peer";

export interface FeedServer {
  kind: FeedServerKind;
  /** "Herald" or "Centrifugo v6.9.1", for rows and notes. */
  label: string;
  /** The server's process group in cpuWindow's results ("herald", "centrifugo"). */
  cpuGroup: string;
  pid: number;
  /** What the feed load processes (feed-latency, idle-streams) need to reach it. */
  feed: FeedTargetConfig;
  rssKiB(): number;
  processGroups(): ProcessGroups;
  stop(): Promise<void>;
}

export const peerLabel = centrifugoName;

async function startFeedServer(ctx: ScenarioContext, kind: FeedServerKind, name: string): Promise<FeedServer> {
  if (kind === "peer") return { kind, label: peerLabel, cpuGroup: "centrifugo", ...(await startCentrifugo(ctx.stack)) };
  const herald = await startHerald(ctx.stack, { name, cpuProfDir: ctx.cpuProfDir(name) });
  return {
    kind,
    label: "Herald",
    cpuGroup: "herald",
    pid: herald.pid,
    feed: { kind: "herald", port: herald.port, apiKey: herald.apiKey, userTokenSecret: herald.userTokenSecret },
    rssKiB: herald.rssKiB,
    processGroups: herald.processGroups,
    stop: herald.stop,
  };
}

/** One measured run on one server, with how busy the machine was as it began. */
export interface ServerRun<T> {
  server: string;
  /** The machine's 1-minute load average when the run started. */
  loadAverage: number;
  result: T;
}

/** The peer's run, or why there is none. */
export type PeerRun<T> = ServerRun<T> | { missing: string };

/**
 * Runs `measure` on a fresh Herald and a fresh peer, one after the other in
 * `order` on the same machine, each stopped before the next starts. Without
 * the peer (`--no-peer`) or when its run fails, the peer's side says why.
 * When Herald's run fails, the peer still runs, and the scenario fails with
 * the peer's run kept in its details.
 */
export async function runInterleaved<T>(
  ctx: ScenarioContext,
  name: string,
  order: [FeedServerKind, FeedServerKind],
  measure: (server: FeedServer) => Promise<T>,
): Promise<{ herald: ServerRun<T>; peer: PeerRun<T> }> {
  let herald: ServerRun<T> | Error | undefined;
  let peer: PeerRun<T> = { missing: "skipped (--no-peer)" };
  for (const kind of order) {
    if (kind === "peer" && !ctx.peer) continue;
    const loadAverage = os.loadavg()[0] ?? 0;
    ctx.log(`${kind === "peer" ? peerLabel : "Herald"} (load average ${loadAverage.toFixed(2)}):`);
    try {
      const server = await startFeedServer(ctx, kind, name);
      try {
        const run = { server: server.label, loadAverage, result: await measure(server) };
        if (kind === "herald") herald = run;
        else peer = run;
      } finally {
        await server.stop();
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      ctx.log(`${kind === "peer" ? peerLabel : "Herald"} failed: ${failure.message.split("\n")[0]}`);
      if (kind === "herald") herald = failure;
      else peer = { missing: `failed: ${failure.message.split("\n")[0]}` };
    }
  }
  if (herald === undefined || herald instanceof Error) {
    throw new ScenarioFailure(
      `Herald's run failed: ${herald?.message ?? "it did not run"}`,
      { peer },
      { cause: herald },
    );
  }
  return { herald, peer };
}

/** The peer's figure for a key number: its value, or none and why. */
export function peerFigure<T>(peer: PeerRun<T>, value: (result: T) => number) {
  return "missing" in peer
    ? { name: peerLabel, value: null, missing: peer.missing }
    : { name: peerLabel, value: value(peer.result) };
}
