import { type EnvReader, parseDuration } from "./env.js";

/** Durable delivery: workers, provider timeouts, retries and the outbox relay. */
export interface DeliveryConfig {
  /** Run delivery workers in this process (the outbox relay runs in every process). */
  workersEnabled: boolean;
  /** Bulk-lane (normal, low priority) deliveries each channel's worker handles at once, per process. */
  concurrency: number;
  /** Urgent-lane (high, critical priority) deliveries each channel's worker handles at once, per process. */
  urgentConcurrency: number;
  /** Longest a provider call may take; a worker's lease is twice this. */
  timeoutMs: number;
  /** Waits before each retry; attempts = retries + 1. */
  retryScheduleMs: number[];
  /** How often the relay looks for unpublished or newly due deliveries. */
  outboxRelayIntervalMs: number;
  /** Messages a channel's lane may hold on JetStream not yet taken by a worker; the rest wait in the outbox, where tenants take turns (0: no cap). */
  laneBacklog: number;
  /** Categories (and those below them) whose critical notifications ignore opt-outs. */
  requiredCategories: string[];
  /** Transient failures in a row after which a channel's provider is skipped (README "Providers and failover"). */
  providerFailureThreshold: number;
  /** How long a skipped provider stays skipped before deliveries try it again. */
  providerCooldownMs: number;
}

export function readDelivery(env: EnvReader): DeliveryConfig {
  const retryScheduleMs = env.list("DELIVERY_RETRY_SCHEDULE").map((part) => {
    const ms = parseDuration(part);
    if (ms === null) env.problems.push(`DELIVERY_RETRY_SCHEDULE must be durations such as 5s,30s,2m,1h; got "${part}"`);
    return ms ?? 0;
  });
  return {
    workersEnabled: env.bool("WORKERS_ENABLED", true),
    concurrency: env.int("DELIVERY_CONCURRENCY", 16, 1, 1000),
    urgentConcurrency: env.int("DELIVERY_URGENT_CONCURRENCY", 8, 1, 1000),
    timeoutMs: env.int("DELIVERY_TIMEOUT_MS", 15_000, 100, 300_000),
    retryScheduleMs:
      retryScheduleMs.length > 0 ? retryScheduleMs : [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000],
    outboxRelayIntervalMs: env.int("OUTBOX_RELAY_INTERVAL_MS", 1_000, 20, 600_000),
    laneBacklog: env.int("DISPATCH_LANE_BACKLOG", 500, 0, 1_000_000),
    requiredCategories: env.list("REQUIRED_CATEGORIES"),
    providerFailureThreshold: env.int("PROVIDER_FAILURE_THRESHOLD", 3, 1, 1_000),
    providerCooldownMs: env.int("PROVIDER_COOLDOWN_MS", 30_000, 100, 3_600_000),
  };
}
