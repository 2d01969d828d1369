import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { freePort } from "./free-port.js";
import { jszStreams, readJsz } from "./jetstream-monitor.js";
import { waitForPort } from "./local-nats.js";

export interface LocalNatsClusterOptions {
  /** The nats-server executable (nats-server-binary.ts installs it). */
  bin: string;
  /** Each node keeps its JetStream storage in a folder of its own below this one. */
  storeDir: string;
  /** Nodes in the cluster (default 3). */
  size?: number;
  onLog?: (node: string, line: string) => void;
  /**
   * Fixed ports instead of free ones: node i gets client port firstPort+i,
   * cluster port firstPort+10+i and monitoring port firstPort+20+i.
   */
  firstPort?: number;
}

/** One nats-server of the cluster. */
export interface LocalNatsNode {
  /** Its `server_name`, as JetStream reports leaders: n1, n2, ... */
  name: string;
  url: string;
  port: number;
  /** Monitoring port (/healthz, /jsz). */
  httpPort: number;
  pid(): number | null;
  running(): boolean;
  /** Sends a signal (default SIGKILL: a crash) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and storage. */
  start(): Promise<void>;
}

export interface LocalNatsCluster {
  nodes: LocalNatsNode[];
  /** Every node's client URL, comma-separated: what NATS_URL takes. */
  url: string;
  node(name: string): LocalNatsNode;
  /** Waits until the running nodes agree on a JetStream meta leader, and returns its name. */
  metaLeader(timeoutMs?: number): Promise<string>;
  /** The node that leads a stream's Raft group, as the monitoring endpoint reports it. */
  streamLeader(stream: string, timeoutMs?: number): Promise<string>;
  /** Stops every node (SIGTERM). */
  stop(): Promise<void>;
}

/**
 * A JetStream cluster of nats-server processes on 127.0.0.1, for the node-loss
 * tests and the scaling benchmark: each node has its own `server_name`, client,
 * cluster and monitoring ports and store folder, with routes to every node.
 * Nodes can be killed and restarted one by one on the same ports and storage,
 * as a crashed broker comes back.
 */
export async function startLocalNatsCluster(options: LocalNatsClusterOptions): Promise<LocalNatsCluster> {
  const size = options.size ?? 3;
  const pickPorts = async () => {
    const ports = [];
    for (let i = 0; i < size; i++) {
      const first = options.firstPort;
      ports.push(
        first === undefined
          ? { client: await freePort(), cluster: await freePort(), http: await freePort() }
          : { client: first + i, cluster: first + 10 + i, http: first + 20 + i },
      );
    }
    return ports;
  };
  type Ports = Awaited<ReturnType<typeof pickPorts>>;

  const makeNodes = (ports: Ports, attempt: number, onExit: (error: Error) => void) => {
    const routes = ports.map((p) => `nats://127.0.0.1:${p.cluster}`).join(",");
    return Promise.all(
      ports.map(async (p, i) => {
        const name = `n${i + 1}`;
        // A retried start gets fresh storage: nothing of a half-formed cluster carries over.
        const storeDir = path.resolve(options.storeDir, attempt === 1 ? name : `${name}-start${attempt}`);
        const lastLines: string[] = [];
        await mkdir(storeDir, { recursive: true });
        let child: ChildProcess | null = null;
        const exitedOf = (proc: ChildProcess) =>
          proc.exitCode !== null || proc.signalCode !== null
            ? Promise.resolve()
            : new Promise<void>((resolve) => proc.once("exit", () => resolve()));
        const node: LocalNatsNode = {
          name,
          url: `nats://127.0.0.1:${p.client}`,
          port: p.client,
          httpPort: p.http,
          pid: () => child?.pid ?? null,
          running: () => child !== null && child.exitCode === null && child.signalCode === null,
          async start() {
            const proc = spawn(
              options.bin,
              [
                ...["-a", "127.0.0.1", "-p", String(p.client), "-m", String(p.http)],
                ...["-js", "-sd", storeDir, "--server_name", name],
                ...["--cluster_name", "herald-test", "--cluster", `nats://127.0.0.1:${p.cluster}`, "--routes", routes],
              ],
              { stdio: ["ignore", "pipe", "pipe"] },
            );
            child = proc;
            const log = (chunk: Buffer) => {
              for (const line of chunk.toString().trimEnd().split("\n")) {
                options.onLog?.(name, line);
                lastLines.push(line);
                if (lastLines.length > 5) lastLines.shift();
              }
            };
            proc.stdout?.on("data", log);
            proc.stderr?.on("data", log);
            const early = new Promise<never>((_, reject) =>
              proc.once("exit", (code) => {
                const error = new Error(
                  `nats-server ${name} exited with ${code} before it was ready: ${lastLines.join(" | ")}`,
                );
                onExit(error);
                reject(error);
              }),
            );
            early.catch(() => undefined);
            await Promise.race([waitForPort(p.client, 15_000), early]);
          },
          async kill(signal = "SIGKILL") {
            const proc = child;
            if (proc === null) return;
            const exited = exitedOf(proc);
            proc.kill(signal);
            await exited;
            child = null;
          },
        };
        return node;
      }),
    );
  };

  const clusterOf = (nodes: LocalNatsNode[]): LocalNatsCluster => {
    // A node that is down or starting answers nothing: no view from it yet.
    const jsz = (node: LocalNatsNode, streams = false) => readJsz(node.httpPort, { streams }).catch(() => null);
    const poll = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== null) return value;
        if (Date.now() > deadline) throw new Error(`NATS cluster: no ${what} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    return {
      nodes,
      url: nodes.map((n) => n.url).join(","),
      node(name) {
        const found = nodes.find((n) => n.name === name);
        if (found === undefined) throw new Error(`no NATS node ${name}`);
        return found;
      },
      metaLeader: (timeoutMs = 30_000) =>
        poll("meta leader all running nodes agree on", timeoutMs, async () => {
          const running = nodes.filter((n) => n.running());
          const answers = await Promise.all(running.map((n) => jsz(n)));
          const leaders = new Set(answers.map((a) => a?.meta_cluster?.leader ?? ""));
          const [leader] = [...leaders];
          const leaderRuns = running.some((n) => n.name === leader);
          return leaders.size === 1 && leader !== undefined && leader !== "" && leaderRuns ? leader : null;
        }),
      streamLeader: (stream, timeoutMs = 30_000) =>
        poll(`leader of stream ${stream}`, timeoutMs, async () => {
          for (const n of nodes.filter((node) => node.running())) {
            const answer = await jsz(n, true);
            const leader = (answer === null ? [] : jszStreams(answer)).find((s) => s.name === stream)?.cluster?.leader;
            if (leader !== undefined && leader !== "" && nodes.some((m) => m.name === leader && m.running())) {
              return leader;
            }
          }
          return null;
        }),
      async stop() {
        await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
      },
    };
  };

  for (let attempt = 1; ; attempt++) {
    const exits: Error[] = [];
    const nodes = await makeNodes(await pickPorts(), attempt, (error) => exits.push(error));
    const started = await Promise.allSettled(nodes.map((n) => n.start()));
    let failure: unknown = started.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
    if (failure === undefined) {
      const cluster = clusterOf(nodes);
      try {
        await cluster.metaLeader(60_000);
      } catch (error) {
        failure = error;
      }
      // A node can answer on its client port and die a moment later (its route or monitoring port taken).
      failure ??= exits[0];
      if (failure === undefined) return cluster;
    }
    await Promise.all(nodes.map((n) => n.kill()));
    // A free port is free only a moment: another process (a client's ephemeral
    // port, say) may take it before nats-server binds it; fresh ports, then.
    // Fixed ports are the caller's to fix.
    if (options.firstPort !== undefined || attempt === 3) throw failure;
  }
}
