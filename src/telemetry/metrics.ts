import http from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface MetricsOptions {
  /**
   * How often gauges that need I/O (Postgres, NATS) are read; default 5000.
   * Scrapes serve the last values, so however often anyone scrapes, the
   * database sees one round of queries per interval.
   */
  refreshIntervalMs?: number;
}

type GaugeValue = Record<string, number> | number;

/**
 * Herald's Prometheus metrics. What each is for is in the README's metrics
 * table; names follow Prometheus conventions (base units, _total counters).
 */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "herald_" });
  const rpcs = new Counter({
    name: "herald_rpc_requests_total",
    help: "RPCs handled, by method and status code.",
    labelNames: ["method", "code"],
    registers: [registry],
  });
  const rpcSeconds = new Histogram({
    name: "herald_rpc_duration_seconds",
    help: "RPC latency (for streams: until the stream ends), by method and status code.",
    labelNames: ["method", "code"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: "herald_deliveries_total",
    help: "Deliveries settled or retried, by channel and outcome (sent, suppressed, retry, dead).",
    labelNames: ["channel", "outcome"],
    registers: [registry],
  });
  const attemptSeconds = new Histogram({
    name: "herald_delivery_attempt_duration_seconds",
    help: "Time a provider call took, by channel and outcome.",
    labelNames: ["channel", "outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const timerLagSeconds = new Histogram({
    name: "herald_workflow_timer_lag_seconds",
    help: "How late workflow timers fired: from their due time to the firing that moved their run on.",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });

  const connectionsCut = new Counter({
    name: "herald_connections_cut_total",
    help: "Connections Herald closed because of what the client did (rapid_reset: too many streams reset).",
    labelNames: ["reason"],
    registers: [registry],
  });

  const sendBatchSize = new Histogram({
    name: "herald_send_batch_size",
    help: "Sends written per statement and commit (group commit, SEND_GROUP_COMMIT).",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });

  const endpointsDisabled = new Counter({
    name: "herald_webhook_endpoints_disabled_total",
    help: "Webhook endpoints Herald disabled on its own account, by reason (gone: answered 410; failing: every attempt failed for WEBHOOK_DISABLE_AFTER_FAILING_SECONDS).",
    labelNames: ["reason"],
    registers: [registry],
  });

  const poison = new Counter({
    name: "herald_poison_messages_total",
    help: "Queued messages no worker could read, set aside on the dead-letter stream and never redelivered.",
    registers: [registry],
  });

  const providerCalls = new Counter({
    name: "herald_provider_calls_total",
    help: "Calls to each channel's providers, by outcome (sent, transient_error, permanent_error; skipped: passed over while its circuit is open).",
    labelNames: ["channel", "provider", "outcome"],
    registers: [registry],
  });
  let circuits: () => Array<{ channel: string; provider: string; open: boolean }> = () => [];
  const circuitOpen: Gauge = new Gauge({
    name: "herald_provider_circuit_open",
    help: "1 while a provider is skipped after failing PROVIDER_FAILURE_THRESHOLD times in a row (tried again after PROVIDER_COOLDOWN_MS), else 0.",
    labelNames: ["channel", "provider"],
    registers: [registry],
    collect: () => {
      for (const c of circuits()) circuitOpen.set({ channel: c.channel, provider: c.provider }, c.open ? 1 : 0);
    },
  });

  const metrics = {
    registry,
    observeProviderCall(channel: string, provider: string, outcome: string) {
      providerCalls.inc({ channel, provider, outcome });
    },
    /** Where the providers' circuits stand, read at each scrape. */
    readCircuits(read: typeof circuits) {
      circuits = read;
    },
    observeConnectionCut(reason: string) {
      connectionsCut.inc({ reason });
    },
    observeSendBatch(sends: number) {
      sendBatchSize.observe(sends);
    },
    observeEndpointDisabled(reason: string) {
      endpointsDisabled.inc({ reason });
    },
    observePoison() {
      poison.inc();
    },
    observeRpc(method: string, code: string, seconds: number) {
      rpcs.inc({ method, code });
      rpcSeconds.observe({ method, code }, seconds);
    },
    observeTimerLag(seconds: number) {
      timerLagSeconds.observe(Math.max(0, seconds));
    },
    /** herald_deliveries_total as numbers by channel and outcome (for GetPipelineHealth). */
    async deliveryTotals(): Promise<Record<string, Record<string, number>>> {
      const totals: Record<string, Record<string, number>> = {};
      for (const { labels, value } of (await deliveries.get()).values) {
        const channel = String(labels.channel);
        totals[channel] = { ...totals[channel], [String(labels.outcome)]: value };
      }
      return totals;
    },
    observeDelivery(channel: string, outcome: string, seconds?: number) {
      deliveries.inc({ channel, outcome });
      if (seconds !== undefined) attemptSeconds.observe({ channel, outcome }, seconds);
    },
    /**
     * A gauge read when Prometheus scrapes, from memory: a number, or numbers
     * by one label (the label named `labelName`). Nothing that does I/O: see
     * polledGauge.
     */
    gauge(name: string, help: string, read: () => GaugeValue, labelName?: string) {
      const gauge: Gauge = new Gauge({
        name,
        help,
        labelNames: labelName === undefined ? [] : [labelName],
        registers: [registry],
        collect: () => setGauge(gauge, labelName, read()),
      });
    },
    /**
     * A gauge whose value needs a query: read every refresh interval (and once
     * at once), never by a scrape. A read that fails leaves the last value.
     */
    polledGauge(name: string, help: string, read: () => Promise<GaugeValue>, labelName?: string) {
      const gauge = new Gauge({
        name,
        help,
        labelNames: labelName === undefined ? [] : [labelName],
        registers: [registry],
      });
      polled.push(async () => setGauge(gauge, labelName, await read()));
      startPolling();
    },
    /** Stops reading polled gauges. */
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };

  const polled: Array<() => Promise<void>> = [];
  let timer: NodeJS.Timeout | undefined;
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return; // a slow round is not overlapped by the next
    refreshing = true;
    try {
      for (const read of polled) await read().catch(() => undefined); // keep the last value
    } finally {
      refreshing = false;
    }
  };
  const startPolling = () => {
    if (timer !== undefined) return;
    timer = setInterval(() => void refresh(), options.refreshIntervalMs ?? 5_000);
    timer.unref();
    // Registrations happen together at start: the first round runs once they are in.
    setImmediate(() => void refresh());
  };
  return metrics;
}

function setGauge(gauge: Gauge, labelName: string | undefined, value: GaugeValue): void {
  if (typeof value === "number") gauge.set(value);
  else for (const [label, v] of Object.entries(value)) gauge.set({ [labelName as string]: label }, v);
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Serves `GET /metrics` on its own port, away from the API. */
export async function serveMetrics(
  metrics: Metrics,
  port: number,
  host: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
