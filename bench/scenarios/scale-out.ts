import path from "node:path";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { settledDeliveries } from "../lib/deliveries.js";
import type { BenchHerald } from "../lib/herald.js";
import { type HeraldGroup, startHeraldGroup } from "../lib/herald-group.js";
import { type LoadMessage, type LoadProcess, runLoad, runMeasured, startLoad } from "../lib/load.js";
import { cpuWindow, formatCpu, type ProcessGroups } from "../lib/machine.js";
import { startBenchNatsCluster } from "../lib/nats-cluster.js";
import { type PgbenchResult, pgbenchSetupSql, runPgbench } from "../lib/pgbench.js";
import { fmt, type ResultRow, type Scenario, type ScenarioContext } from "../lib/scenario.js";
import { type LatencySummary, summarize } from "../lib/stats.js";
import type { SendLoadConfig } from "../load/send-load.js";
import type { WebhookSinkStats } from "../load/webhook-sink.js";
import type { SendResult } from "./send-vs-pgbench.js";

type SendsResult = SendResult & { callsByPort: number[] };

interface SendRun {
  result: SendsResult;
  cpu: Record<string, number>;
}

interface DeliveryRun {
  deliveries: number;
  sent: number;
  failed: number;
  /** First Send until every delivery is settled. */
  seconds: number;
  /** First Send until the last Send was answered. */
  acceptSeconds: number;
  rate: number;
  latencyMs: LatencySummary;
  sendsByProcess: number[];
  /** herald_deliveries_total{channel="webhook",outcome="sent"} over the window, per process. */
  sentByProcess: number[];
  sinkRequests: number;
  sinkConnections: number;
  cpu: Record<string, number>;
}

const processCounts = [1, 2, 3];
const sendConcurrency = 32;
/** Sends of 1,000 recipients in flight in the delivery phase: a multiple of 1, 2 and 3, so each process gets as many. */
const bulkConcurrency = 6;
const deliveryConcurrency = 64;
const category = "bench.scale";
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * 9. Scaling out: 1, 2 and 3 Herald processes of one deployment (one Postgres,
 * a 3-node JetStream cluster with 3 replicas per stream), measuring unary Send
 * throughput and webhook delivery throughput per process count, with the CPU
 * of every process.
 */
export const scaleOut: Scenario = {
  id: 9,
  title: "Scaling out",
  async run(ctx) {
    const seconds = ctx.quick ? 3 : 10;
    const warmupMs = ctx.quick ? 1000 : 2000;
    const deliveries = ctx.quick ? 2000 : 10_000;
    let pgbench: PgbenchResult | undefined;
    const cluster = await startBenchNatsCluster(ctx.stack);
    const sendRuns: SendRun[] = [];
    const deliveryRuns: DeliveryRun[] = [];
    let sink: LoadProcess | undefined;
    try {
      sink = startLoad("webhook-sink", { hardLimitMs: 30 * 60_000 });
      const { port: sinkPort } = await sink.next<LoadMessage & { port: number }>("ready", 30_000);
      for (const n of processCounts) {
        const group = await startHeraldGroup(ctx.stack, n, {
          name: `scale${n}`,
          cpuProfDir: ctx.cpuProfDir(`9-scale-out-${n}`),
          env: {
            NATS_URL: cluster.url,
            NATS_STREAM_REPLICAS: "3",
            WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
            DELIVERY_CONCURRENCY: String(deliveryConcurrency),
          },
        });
        const first = group.heralds[0] as BenchHerald;
        try {
          if (pgbench === undefined) {
            // This machine's commit ceiling in the same run, as scenario 1 measures it
            // (on a Herald database, whose notifications table it copies): the
            // yardstick for how fast the machine was while the rest ran.
            pgbench = await machineYardstick(ctx, first.database, seconds);
            ctx.log(`pgbench c=${sendConcurrency}: ${fmt(pgbench.tps)} tx/s, ${formatCpu(pgbench.cpu)}`);
          }
          await createEndpoint(first, `http://127.0.0.1:${sinkPort}/hooks/herald`);
          const groups: ProcessGroups = {
            ...group.processGroups(),
            postgres: ctx.stack.processGroups().postgres as () => number[],
            nats: cluster.pids,
            sink: () => [(sink as LoadProcess).pid],
          };
          const send = await measureSends(group, groups, seconds, warmupMs);
          ctx.log(
            `${n} process(es): ${fmt(send.result.callsPerSecond)} Send/s (per process ${send.result.callsByPort.join("/")} calls, ${send.result.errors} errors${send.result.errors > 0 ? `: ${send.result.firstError}` : ""}), p99 ${fmt(send.result.latencyMs.p99)} ms; ${formatCpu(send.cpu)}`,
          );
          sendRuns.push(send);
          const delivery = await measureDeliveries(ctx, group, groups, sink, deliveries);
          ctx.log(
            `${n} process(es): ${delivery.sent} of ${deliveries} webhooks sent in ${delivery.seconds.toFixed(1)} s = ${fmt(delivery.rate)}/s (Sends per process ${delivery.sendsByProcess.join("/")}, deliveries per process ${delivery.sentByProcess.join("/")}, sink got ${delivery.sinkRequests} on ${delivery.sinkConnections} new connections); ${formatCpu(delivery.cpu)}`,
          );
          deliveryRuns.push(delivery);
        } finally {
          await group.stop();
          await cluster.deleteStreams(first.natsPrefix).catch((error: unknown) => {
            ctx.log(`could not delete the streams of ${first.natsPrefix}: ${(error as Error).message}`);
          });
        }
      }
    } finally {
      await sink?.stop();
      await cluster.stop();
    }
    const problems = cluster.problems();
    if (problems.length > 0) ctx.log(`nats-servers logged ${problems.length} warning(s); the last: ${problems.at(-1)}`);
    if (pgbench === undefined) throw new Error("no Herald group started, so pgbench did not run");
    return outcome({ pgbench, sendRuns, deliveryRuns, seconds, warmupMs, deliveries, natsProblems: problems });
  },
};

/** Closed-loop Send (in-app, one recipient) at concurrency 32, spread evenly over the group's processes. */
async function measureSends(group: HeraldGroup, groups: ProcessGroups, seconds: number, warmupMs: number) {
  const ports = group.heralds.map((h) => h.port);
  const config: SendLoadConfig = {
    port: ports[0] as number,
    ports,
    apiKey: (group.heralds[0] as BenchHerald).apiKey,
    concurrency: sendConcurrency,
    connections: 4,
    recipients: 1,
    userPool: 10_000,
    userPrefix: "user-",
    channels: [Channel.IN_APP],
    category: `${category}.send`,
    warmupMs,
    durationMs: seconds * 1000,
    maxCalls: 1_000_000,
  };
  const { result, cpu } = await runMeasured<SendsResult>("send-load", config, groups, 120_000);
  return { result, cpu };
}

/**
 * Webhook deliveries end to end: Sends of 1,000 recipients (webhook only, one
 * endpoint: the sink) spread over the processes, timed from the first Send
 * until every delivery is settled in Postgres. A Send of 10 recipients to each
 * process first warms up the consumers and the sink's connections.
 */
async function measureDeliveries(
  ctx: ScenarioContext,
  group: HeraldGroup,
  groups: ProcessGroups,
  sink: LoadProcess,
  deliveries: number,
): Promise<DeliveryRun> {
  const n = group.heralds.length;
  const first = group.heralds[0] as BenchHerald;
  const sql = <T extends object>(text: string, values?: unknown[]) => ctx.stack.sql<T>(first.database, text, values);
  const settled = (category: string) => settledDeliveries(ctx.stack, first.database, "webhook", category);
  const ports = group.heralds.map((h) => h.port);
  const base: SendLoadConfig = {
    port: ports[0] as number,
    ports,
    apiKey: first.apiKey,
    concurrency: n,
    connections: 1,
    recipients: 10,
    userPool: 10 * n,
    userPrefix: "warm-user-",
    channels: [Channel.WEBHOOK],
    category: `${category}.warmup`,
    warmupMs: 0,
    durationMs: 60_000,
    maxCalls: n,
  };
  const warm = await runLoad<SendsResult>("send-load", base, 60_000);
  if (warm.errors > 0) throw new Error(`the warm-up Sends failed: ${warm.firstError}`);
  for (let i = 0; i < 300 && (await settled(base.category)).sent < 10 * n; i++) await sleep(100);

  const sentCounters = () =>
    Promise.all(group.heralds.map((h) => h.metric("herald_deliveries_total", { channel: "webhook", outcome: "sent" })));
  const sinkStats = async () => {
    sink.command({ type: "stats" });
    return sink.next<WebhookSinkStats & LoadMessage>("stats", 10_000);
  };
  await sleep(500); // the warm-up's last counters
  const [counted0, sink0] = [await sentCounters(), await sinkStats()];
  const load = startLoad("send-load", {
    ...base,
    concurrency: bulkConcurrency,
    recipients: 1000,
    userPool: deliveries,
    userPrefix: "hook-user-",
    category,
    maxCalls: deliveries / 1000,
    durationMs: 120_000,
  } satisfies SendLoadConfig);
  let sent = 0;
  let failed = 0;
  let seconds = 0;
  let acceptSeconds = 0;
  let accepted: SendsResult;
  let cpu: Record<string, number>;
  try {
    await load.next("measuring", 60_000);
    const t0 = performance.now();
    const window = cpuWindow({ ...groups, load: () => [load.pid] });
    accepted = await load.next<SendsResult>("result", 120_000);
    if (accepted.errors > 0) throw new Error(`${accepted.errors} Sends failed: ${accepted.firstError}`);
    acceptSeconds = (performance.now() - t0) / 1000;
    const deadline = Date.now() + (ctx.quick ? 60_000 : 180_000);
    while (Date.now() < deadline) {
      ({ sent, failed } = await settled(category));
      if (sent + failed >= deliveries) break;
      await sleep(200);
    }
    seconds = (performance.now() - t0) / 1000;
    cpu = window.stop();
  } finally {
    await load.stop();
  }
  await sleep(500);
  const [counted1, sink1] = [await sentCounters(), await sinkStats()];
  const latencies = await sql<{ ms: number }>(
    `SELECT extract(epoch FROM d.updated_at - d.created_at)::float8 * 1000 AS ms
     FROM deliveries d JOIN notifications n ON n.id = d.notification_id
     WHERE d.channel = 'webhook' AND d.status = 'sent' AND n.category = $1`,
    [category],
  );
  return {
    deliveries,
    sent,
    failed,
    seconds,
    acceptSeconds,
    rate: sent / seconds,
    latencyMs: summarize(latencies.map((r) => r.ms)),
    sendsByProcess: accepted.callsByPort,
    sentByProcess: counted1.map((c, i) => c - (counted0[i] ?? 0)),
    sinkRequests: sink1.requests - sink0.requests,
    sinkConnections: sink1.connections - sink0.connections,
    cpu,
  };
}

/** Registers the sink as a webhook endpoint for the benchmark's categories (Connect JSON over HTTP/1.1). */
async function createEndpoint(herald: BenchHerald, url: string): Promise<void> {
  const res = await fetch(`${herald.url}/herald.v1.WebhookService/CreateWebhookEndpoint`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${herald.apiKey}` },
    body: JSON.stringify({ url, categories: [category] }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`CreateWebhookEndpoint answered ${res.status}: ${await res.text()}`);
}

/** pgbench at the Send concurrency on a Herald database, as scenario 1 runs it. */
async function machineYardstick(ctx: ScenarioContext, database: string, seconds: number): Promise<PgbenchResult> {
  await ctx.stack.sql(database, pgbenchSetupSql);
  return runPgbench({
    port: ctx.stack.postgres.port,
    database,
    password: "herald",
    clients: sendConcurrency,
    seconds,
    workDir: path.join(ctx.stack.scratch, "pgbench"),
    processGroups: { postgres: ctx.stack.processGroups().postgres as () => number[] },
  });
}

function outcome(m: {
  pgbench: PgbenchResult;
  sendRuns: SendRun[];
  deliveryRuns: DeliveryRun[];
  seconds: number;
  warmupMs: number;
  deliveries: number;
  natsProblems: string[];
}) {
  const plural = (n: number) => `${n} process${n === 1 ? "" : "es"}`;
  const versus = (value: number, base: number | undefined, n: number) =>
    n === 1 || base === undefined ? "" : ` (${(value / base).toFixed(2)}× 1 process)`;
  const sendBase = m.sendRuns[0]?.result.callsPerSecond;
  const deliveryBase = m.deliveryRuns[0]?.rate;
  const rows: ResultRow[] = [
    {
      setting: `pgbench c=${sendConcurrency} on the same Postgres (this run's commit ceiling; Sends below are ${(
        (m.sendRuns[0]?.result.callsPerSecond ?? Number.NaN) / m.pgbench.tps
      ).toFixed(2)}× it with 1 process)`,
      throughput: { value: m.pgbench.tps, unit: "tx/s" },
      latencyMs: m.pgbench.latencyMs,
      target: "",
      met: null,
    },
    ...m.sendRuns.map((r, i) => ({
      setting: `${plural(i + 1)}, Send c=${sendConcurrency}${versus(r.result.callsPerSecond, sendBase, i + 1)}`,
      throughput: { value: r.result.callsPerSecond, unit: "Send/s" },
      latencyMs: r.result.latencyMs,
      target: "",
      met: null,
    })),
    ...m.deliveryRuns.map((r, i) => ({
      setting: `${plural(i + 1)}, ${r.deliveries.toLocaleString("en-US")} webhooks (${r.deliveries / 1000} Sends × 1,000), Send → sink answered${versus(r.rate, deliveryBase, i + 1)}`,
      throughput: { value: r.rate, unit: "webhooks/s" },
      latencyMs: r.latencyMs,
      target: "",
      met: null,
    })),
  ];
  const ratio = (runs: number[]) =>
    runs.length === processCounts.length ? ((runs.at(-1) as number) / (runs[0] as number)).toFixed(2) : "n/a";
  const sendRatio = ratio(m.sendRuns.map((r) => r.result.callsPerSecond));
  const deliveryRatio = ratio(m.deliveryRuns.map((r) => r.rate));
  return {
    rows,
    details: {
      processCounts,
      pgbench: m.pgbench,
      sendConcurrency,
      bulkConcurrency,
      deliveryConcurrency,
      streamReplicas: 3,
      ratio3to1: { sends: Number(sendRatio), deliveries: Number(deliveryRatio) },
      sends: m.sendRuns.map((r, i) => ({ processes: i + 1, ...r })),
      deliveries: m.deliveryRuns.map((r, i) => ({ processes: i + 1, ...r })),
      natsProblems: m.natsProblems,
    },
    notes: [
      `First (with the single process up and idle), pgbench at concurrency ${sendConcurrency} for ${m.seconds} s (one notification-shaped row per transaction, as in scenario 1) on the same Postgres: what this machine's Postgres commits per second during this run, so runs on machines of different speed can be compared.`,
      `N = 1, 2, 3 Herald processes of one deployment: one database on the shared Postgres, one NATS prefix, every process with its own API port, outbox relay and delivery workers (DELIVERY_CONCURRENCY=${deliveryConcurrency} each, DATABASE_POOL_MAX=20 each). NATS is a 3-node JetStream cluster on 127.0.0.1 (started by the scenario, NATS_URL lists all three), streams and consumers with 3 replicas (NATS_STREAM_REPLICAS=3); JetStream shares each channel's consumer among the processes. A fresh database and fresh streams for each N.`,
      `Send: one load process, closed loop at concurrency ${sendConcurrency} in total, spread evenly over the processes (callers take the processes in turn; 4 HTTP/2 connections to each), one recipient, CHANNEL_IN_APP, ${m.warmupMs / 1000} s warm-up then ${m.seconds} s measured.`,
      `Deliveries: one webhook endpoint, a sink in its own process that reads each request and answers 200. ${m.deliveries / 1000} Sends of 1,000 recipients (CHANNEL_WEBHOOK only, ${bulkConcurrency} in flight, spread over the processes), after a Send of 10 to each process as warm-up; the clock runs from the first Send until every delivery is settled in Postgres (polled every 200 ms). Latency: a delivery's created_at to its update as sent. Deliveries per process: each process's herald_deliveries_total{channel="webhook",outcome="sent"} over the window.`,
      `3 processes / 1 process: Sends ×${sendRatio}, webhook deliveries ×${deliveryRatio}.`,
      "What bounds this on 2 cores: every Herald process, Postgres, the three nats-servers (each stream write is replicated to two more), the load generator and the sink share the same two cores, so more processes cannot add CPU; expect totals flat or lower (more processes also mean more connections, more relays polling and more JetStream replication traffic). The CPU columns in the JSON show where the time goes per process; scaling out only pays on machines with cores to spare.",
    ],
  };
}
