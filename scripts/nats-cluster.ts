// `npm run nats:cluster`: a 3-node NATS JetStream cluster on 127.0.0.1 for trying
// Herald on a cluster without Docker (README, "Running at scale"). It prints the
// NATS_URL to give `npm start` (with NATS_STREAM_REPLICAS=3) and each node's pid,
// so one can be killed to watch Herald ride through; Ctrl-C stops all three.
// Storage is in .herald/nats-cluster, kept across runs, and the ports are fixed
// (clients on 14222-14224; HERALD_DEV_NATS_CLUSTER_PORT moves them), so the URL
// stays the same from one run to the next.
import path from "node:path";
import { startLocalNatsCluster } from "../dev/local-nats-cluster.js";
import { ensureNatsServer } from "../dev/nats-server-binary.js";

const root = path.resolve(import.meta.dirname, "..");
const cluster = await startLocalNatsCluster({
  bin: await ensureNatsServer(),
  storeDir: path.join(root, ".herald", "nats-cluster"),
  firstPort: Number(process.env.HERALD_DEV_NATS_CLUSTER_PORT ?? 14222),
});
console.log(`NATS JetStream cluster of ${cluster.nodes.length}, meta leader ${await cluster.metaLeader()}:`);
for (const n of cluster.nodes) {
  console.log(`  ${n.name}: ${n.url} (pid ${n.pid()}, monitoring http://127.0.0.1:${n.httpPort}/jsz)`);
}
console.log(`\nIn another terminal:\n  NATS_URL=${cluster.url} NATS_STREAM_REPLICAS=3 npm start\n`);
console.log("Kill a node (kill -9 <pid>) to see Herald carry on; Ctrl-C here stops the cluster.");
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cluster.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
