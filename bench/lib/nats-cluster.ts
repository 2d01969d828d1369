import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type LocalNatsCluster, startLocalNatsCluster } from "../../dev/local-nats-cluster.js";
import { ensureNatsServer } from "../../dev/nats-server-binary.js";
import { dispatchNames } from "../../src/dispatch/jetstream-setup.js";
import { assertNotInterrupted, onCleanup } from "./cleanup.js";
import { pidsByCommandLine } from "./machine.js";
import type { Stack } from "./stack.js";

/** A 3-node JetStream cluster for one scenario, next to the stack's single nats-server. */
export interface BenchNatsCluster {
  /** Every node's client URL, comma-separated (NATS_URL). */
  url: string;
  /** The nodes' pids, for cpuWindow (one group, `nats`). */
  pids(): number[];
  /** Warnings and errors the nodes logged once the cluster was up, the last 50. */
  problems(): string[];
  /** Deletes the streams Herald made under this NATS prefix, so the next deployment starts on an idle cluster. */
  deleteStreams(prefix: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the cluster in the stack's temp folder. Its cleanup is registered
 * before the nodes start: a start that fails half-way (or Ctrl-C meanwhile)
 * still stops every node, found by its store folder.
 */
export async function startBenchNatsCluster(stack: Stack): Promise<BenchNatsCluster> {
  assertNotInterrupted("nats cluster");
  // Not below scratch/nats: the stack finds its own nats-server by that folder.
  const storeDir = path.join(stack.scratch, "jetstream-cluster");
  const problems: string[] = [];
  // Until they have found each other, nodes log refused routes and a missing meta leader: expected.
  let up = false;
  let cluster: LocalNatsCluster | undefined;
  const stop = onCleanup("nats cluster", async () => {
    if (cluster !== undefined) return cluster.stop();
    for (const pid of pidsByCommandLine(storeDir)) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // gone already
      }
    }
  });
  try {
    cluster = await startLocalNatsCluster({
      bin: await ensureNatsServer(),
      storeDir,
      onLog: (node, line) => {
        if (!up || !/\[(WRN|ERR|FTL)\]/.test(line)) return;
        problems.push(`${node}: ${line}`);
        if (problems.length > 50) problems.shift();
      },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  up = true;
  const nodes = cluster.nodes;
  return {
    url: cluster.url,
    pids: () => nodes.map((n) => n.pid()).filter((pid): pid is number => pid !== null),
    problems: () => [...problems],
    async deleteStreams(prefix) {
      const nc = await connect({ servers: nodes.map((n) => n.url) });
      try {
        const jsm = await jetstreamManager(nc);
        const names = dispatchNames(prefix);
        for (const stream of [names.stream, names.deadStream]) await jsm.streams.delete(stream).catch(() => false);
      } finally {
        await nc.close();
      }
    },
    stop,
  };
}
