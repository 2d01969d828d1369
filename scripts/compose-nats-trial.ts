// The only proof, without a Docker engine, that the cluster profile's NATS
// command lines make a working JetStream cluster: check-compose runs them with
// the nats-server Herald tests against, on 127.0.0.1 (each Compose hostname
// and port mapped to a free local port, each store dir to a temporary
// folder), and watches the cluster do what the profile relies on:
// - a lone node fails its healthcheck (so Herald waits for a majority);
// - all nodes pass it once they are up, and agree on one meta leader;
// - Herald's own JetStream setup, with a cluster replica's NATS settings,
//   gets every stream and consumer placed with one copy per node;
// - when the node leading the delivery stream stops (SIGTERM, as `docker
//   compose stop` sends), another takes over and the stream keeps its message.
// Every process it starts is stopped, and the folder removed, however it ends.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { freePort } from "../dev/free-port.js";
import { jszStreams, readJsz } from "../dev/jetstream-monitor.js";
import { type ManagedProcess, manageProcess } from "../dev/managed-process.js";
import { ensureNatsServer, natsServerVersion } from "../dev/nats-server-binary.js";
import { startOrphanGuard } from "../dev/orphan-guard.js";
import { dispatchNames, setupDispatch } from "../src/dispatch/jetstream-setup.js";
import type { NatsNode } from "./compose-nats.js";

export interface ClusterTrialOptions {
  /** The cluster profile's NATS nodes, as compose-nats.ts read them. */
  nodes: readonly NatsNode[];
  /** What a cluster Herald replica's environment says (through loadConfig). */
  herald: {
    natsUrl: string;
    prefix: string;
    replicas: number;
    channels: readonly string[];
    ackWaitMs: number;
  };
  /** The whole trial gives up after this long; 30 s unless told. */
  timeoutMs?: number;
}

/** A node running on 127.0.0.1. */
interface LocalNode {
  node: NatsNode;
  client: number;
  http: number;
  cluster: number;
  process?: ManagedProcess;
  /** Set before the trial stops it, so its exit is not a failure. */
  stopping?: boolean;
  /** Its last log lines, for the report of a failure. */
  log: string[];
}

/** What the steps share: the nodes, and the end of the trial (its time is up, or a node died). */
interface Trial {
  local: LocalNode[];
  /** Polls `probe` until it returns a value, or the trial ends. */
  waitFor: <T>(what: string, probe: () => Promise<T | undefined>) => Promise<T>;
  start(l: LocalNode): void;
}

/** Runs the trial; resolves with what it saw, rejects with what went wrong (and the nodes' last log lines). */
export async function tryNatsCluster(options: ClusterTrialOptions): Promise<string> {
  const started = Date.now();
  const bin = await ensureNatsServer();
  const dir = await mkdtemp(path.join(os.tmpdir(), "check-compose-nats-"));
  const guard = startOrphanGuard(dir);
  const local = await allocatePorts(options.nodes);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const end = new AbortController();
  let waiting = "the nodes to start";
  const timer = setTimeout(
    () => end.abort(new Error(`gave up after ${timeoutMs / 1000} s, waiting for ${waiting}`)),
    timeoutMs,
  );
  const trial: Trial = {
    local,
    waitFor(what, probe) {
      waiting = what;
      return poll(what, probe, end.signal);
    },
    start(l) {
      const proc = startNode(bin, l, localCommand(l, local, dir));
      l.process = proc;
      guard.watch(proc, "SIGKILL");
      void proc.exited.then(() => {
        if (!l.stopping) end.abort(new Error(`${l.node.service}'s nats-server exited`));
      });
    },
  };
  const ended = new Promise<never>((_, reject) =>
    end.signal.addEventListener("abort", () => reject(end.signal.reason)),
  );
  ended.catch(() => undefined); // also ends, unread, when the trial is over
  let nc: NatsConnection | undefined;
  try {
    const connectTo = async (servers: string[]) => {
      nc = await connect({ servers, name: "check-compose" });
      return nc;
    };
    const report = await Promise.race([run(trial, options, connectTo), ended]);
    return `  NATS cluster trial (nats-server ${natsServerVersion}, the profile's command lines on 127.0.0.1, ${((Date.now() - started) / 1000).toFixed(1)} s):\n${report}`;
  } catch (error) {
    const logs = local.map((l) => `    ${l.node.service}:\n${l.log.map((line) => `      ${line}`).join("\n")}`);
    throw new Error(`${(error as Error).message}\n  last log lines:\n${logs.join("\n")}`, { cause: error });
  } finally {
    clearTimeout(timer);
    end.abort(new Error("the trial is over"));
    await nc?.close().catch(() => undefined);
    for (const l of local) l.stopping = true;
    await Promise.all(local.map((l) => l.process?.stop("SIGTERM", 5_000)));
    guard.release();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The steps, in order; each line of the report says what one saw. */
async function run(
  trial: Trial,
  options: ClusterTrialOptions,
  connectTo: (servers: string[]) => Promise<NatsConnection>,
): Promise<string> {
  const [first, ...rest] = trial.local as [LocalNode, ...LocalNode[]];
  trial.start(first);
  const alone = await loneNodeHealth(first, trial.waitFor);
  rest.forEach(trial.start);
  const restStarted = Date.now();
  const healthyMs = await trial.waitFor("every node to pass its healthcheck", async () => {
    const codes = await Promise.all(trial.local.map((l) => health(l)));
    return codes.every((c) => c.status === 200) ? Date.now() - restStarted : undefined;
  });
  const leader = await metaLeader(trial.local, trial.waitFor);
  const nc = await connectTo(localUrls(options.herald.natsUrl, trial.local));
  const placement = await provision(nc, options, trial.local, trial.waitFor);
  const failover = await stopStreamLeader(nc, options.herald.prefix, trial.local, placement.leader, trial.waitFor);
  return [
    `    ${first.node.service} alone fails its healthcheck (${alone}); all ${trial.local.length} pass ${healthyMs} ms after the others start, meta leader ${leader}`,
    `    ${placement.summary}`,
    `    ${failover}`,
  ].join("\n");
}

/** Three distinct free ports per node. */
async function allocatePorts(nodes: readonly NatsNode[]): Promise<LocalNode[]> {
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) return taken.add(port) && port;
    }
  };
  const local: LocalNode[] = [];
  for (const node of nodes) {
    local.push({ node, client: await next(), http: await next(), cluster: await next(), log: [] });
  }
  return local;
}

/** The node's own command line, with its addresses, ports and store dir moved to 127.0.0.1 and `dir`. */
function localCommand(l: LocalNode, all: readonly LocalNode[], dir: string): string[] {
  const routePort = (route: string) => {
    const host = new URL(route.trim()).hostname;
    const target = all.find((other) => other.node.hosts.includes(host));
    if (target === undefined) throw new Error(`${l.node.service} routes to ${route}, which is no node`);
    return `nats://127.0.0.1:${target.cluster}`;
  };
  const args: string[] = [];
  for (const { name, value } of l.node.options) {
    if (name === "config") throw new Error(`${l.node.service} reads a config file, which the trial cannot follow`);
    // Replaced below, or meaningless off Docker's network.
    if (["addr", "port", "client_advertise", "cluster_advertise", "http_port"].includes(name)) continue;
    if (name === "store_dir") args.push(`--store_dir=${path.join(dir, l.node.service)}`);
    else if (name === "cluster") args.push(`--cluster=nats://127.0.0.1:${l.cluster}`);
    else if (name === "routes") args.push(`--routes=${String(value).split(",").map(routePort).join(",")}`);
    else args.push(value === true ? `--${name}` : `--${name}=${value}`);
  }
  return [...args, "--addr=127.0.0.1", `--port=${l.client}`, `--http_port=${l.http}`];
}

function startNode(bin: string, l: LocalNode, args: string[]): ManagedProcess {
  const child: ChildProcess = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => {
    // Not the warnings the trial's own healthcheck polls cause.
    const lines = chunk.toString().trimEnd().split("\n");
    l.log.push(...lines.filter((line) => !line.includes("Healthcheck failed")));
    l.log.splice(0, Math.max(0, l.log.length - 15));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return manageProcess(l.node.service, child);
}

/** The node's healthcheck URL, on its local monitoring port. */
async function health(l: LocalNode): Promise<{ status: number; text: string }> {
  const url = new URL(l.node.healthUrl?.href ?? "http://127.0.0.1/healthz");
  url.hostname = "127.0.0.1";
  url.port = String(l.http);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return { status: response.status, text: await response.text() };
  } catch {
    return { status: 0, text: "" };
  }
}

/** Once the lone node answers, its healthcheck must keep failing: it has no majority to elect a meta leader. */
async function loneNodeHealth(l: LocalNode, waitFor: WaitFor): Promise<string> {
  const answered = await waitFor(`${l.node.service} to answer on its monitoring port`, async () => {
    const h = await health(l);
    return h.status === 0 ? undefined : Date.now();
  });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, answered + 1_000 - Date.now())));
  const h = await health(l);
  if (h.status === 200) throw new Error(`${l.node.service} alone passes its healthcheck, so Herald would not wait`);
  const error = /"error":\s*"([^"]*)"/.exec(h.text)?.[1];
  return `${h.status}${error === undefined ? "" : `: ${error}`}`;
}

/** Each node's /jsz names one meta leader, of a meta group of every node, with the server names Compose gives. */
async function metaLeader(local: readonly LocalNode[], waitFor: WaitFor): Promise<string> {
  const names = local.map((l) => l.node.serverName);
  return waitFor("one JetStream meta leader", async () => {
    const views = await Promise.all(
      local.map(async (l) => {
        return (await readJsz(l.http)).meta_cluster;
      }),
    );
    const leaders = new Set(views.map((v) => v?.leader));
    const [leader] = leaders;
    const agreed = leaders.size === 1 && names.includes(leader) && views.every((v) => v?.cluster_size === local.length);
    return agreed ? `${leader} of ${local.length}` : undefined;
  });
}

/** NATS_URL with each node's host and client port replaced by its local ones. */
function localUrls(natsUrl: string, local: readonly LocalNode[]): string[] {
  return natsUrl.split(",").map((part) => {
    const target = local.find((l) => l.node.hosts.includes(new URL(part.trim()).hostname));
    if (target === undefined) throw new Error(`NATS_URL names ${part}, which is no node`);
    return `nats://127.0.0.1:${target.client}`;
  });
}

/** Herald's setupDispatch with the replica's settings, then where JetStream put each stream and consumer. */
async function provision(
  nc: NatsConnection,
  options: ClusterTrialOptions,
  local: readonly LocalNode[],
  waitFor: WaitFor,
): Promise<{ summary: string; leader: string }> {
  const { prefix, replicas, channels, ackWaitMs } = options.herald;
  // Herald retries its setup until it succeeds (start-delivery.ts): a cluster
  // that just formed, on a busy machine, may answer a consumer creation after
  // the JetStream API's timeout; the setup is idempotent, so do the same.
  const { jsm } = await waitFor("Herald's JetStream setup", () =>
    setupDispatch({ nc, prefix, channels, ackWaitMs, replicas }),
  );
  const names = dispatchNames(prefix);
  const servers = local.map((l) => l.node.serverName as string);
  const placed: string[] = [];
  let deliveriesLeader = "";
  for (const stream of [names.stream, names.deadStream]) {
    const where = await waitFor(`${stream} on ${replicas} current replicas`, async () => {
      const info = await jsm.streams.info(stream);
      return info.config.num_replicas === replicas ? currentPeers(info.cluster, replicas) : undefined;
    });
    checkSpread(stream, where, replicas, servers);
    if (stream === names.stream) deliveriesLeader = where[0] as string;
    placed.push(`${stream} (leader ${where[0]}, replicas ${where.slice(1).join(" ")})`);
  }
  const consumers = channels.map((channel) => names.consumer(channel));
  for (const consumer of consumers) {
    const where = await waitFor(`consumer ${consumer} on ${replicas} current replicas`, async () => {
      const info = await jsm.consumers.info(names.stream, consumer);
      // 0: the consumer follows its stream's replica count (jetstream-setup.ts leaves it unset).
      const followsStream = [0, replicas].includes(info.config.num_replicas ?? 0);
      return followsStream ? currentPeers(info.cluster, replicas) : undefined;
    });
    checkSpread(`consumer ${consumer}`, where, replicas, servers);
  }
  return {
    summary: `Herald's setup with NATS_STREAM_REPLICAS=${replicas} placed ${placed.join(" and ")}, and the consumers ${consumers.join(", ")} on ${replicas} nodes each`,
    leader: deliveriesLeader,
  };
}

/** Leader first, then the replicas, once there are `replicas` of them in all and every one is current. */
function currentPeers(
  cluster: { leader?: string; replicas?: { name: string; current: boolean }[] } | undefined,
  replicas: number,
): string[] | undefined {
  const others = cluster?.replicas ?? [];
  if (cluster?.leader === undefined || others.length !== replicas - 1 || !others.every((r) => r.current)) return;
  return [cluster.leader, ...others.map((r) => r.name)];
}

function checkSpread(what: string, where: string[], replicas: number, servers: string[]): void {
  if (new Set(where).size !== replicas || !where.every((s) => servers.includes(s))) {
    throw new Error(`${what} sits on ${where.join(", ")}, not on ${replicas} of the nodes ${servers.join(", ")}`);
  }
}

/** Publishes a message, stops the delivery stream's leader, and waits for another leader that still has it. */
async function stopStreamLeader(
  nc: NatsConnection,
  prefix: string,
  local: readonly LocalNode[],
  leader: string,
  waitFor: WaitFor,
): Promise<string> {
  const names = dispatchNames(prefix);
  const js = jetstream(nc);
  // Not a DeliveryMessage: no worker runs here, and the stream is thrown away.
  // Message ids, so a publish retried after a lost ack is stored once.
  const publish = (n: number) => js.publish(names.deliver("check-compose"), "check-compose", { msgID: `check-${n}` });
  await publish(1);
  const node = local.find((l) => l.node.serverName === leader);
  if (node === undefined) throw new Error(`${leader}, the leader of ${names.stream}, is no node`);
  node.stopping = true;
  await node.process?.stop("SIGTERM", 5_000);
  const stoppedAt = Date.now();
  // Asked of a remaining node's monitoring port: the client may still be
  // finding its way to another server, and its requests would time out.
  const remaining = local.find((l) => l !== node) as LocalNode;
  const next = await waitFor(`a new leader of ${names.stream}`, async () => {
    const stream = jszStreams(await readJsz(remaining.http, { streams: true })).find((d) => d.name === names.stream);
    const now = stream?.cluster?.leader;
    return now !== undefined && now !== leader && stream?.state?.messages === 1 ? now : undefined;
  });
  const tookOverMs = Date.now() - stoppedAt;
  // The client may be reconnecting from the stopped node: retried until the trial's end.
  const seq = await waitFor("a publish after the failover", async () => (await publish(2)).seq);
  if (seq !== 2) throw new Error(`the publish after the failover got sequence ${seq}, not 2`);
  return `${leader}, leading ${names.stream}, stopped (SIGTERM): ${next} took over ${tookOverMs} ms later with its message, and stored the next`;
}

type WaitFor = Trial["waitFor"];

/** Calls `probe` every 100 ms until it returns a value (an error counts as not yet), or `signal` ends the trial. */
async function poll<T>(what: string, probe: () => Promise<T | undefined>, signal: AbortSignal): Promise<T> {
  let last: unknown;
  while (!signal.aborted) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}${last === undefined ? "" : ` (last: ${(last as Error).message})`}`);
}
