import type { Channel } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import { defaultTenant } from "../domain/tenant.js";
import type { Queryable } from "../store/database.js";
import { pipelineHealthReads } from "../store/pipeline-health-reads.js";
import { requireScope } from "./access.js";

/** This process's delivery counters for one channel, since it started. */
export interface ChannelCounters {
  sent: number;
  /** Failed attempts: retried or dead. */
  failed: number;
  dead: number;
}

/** Where the health sample reads what only this process knows. */
export interface PipelineProbes {
  /** Delivery counters by channel (the process's metrics). */
  counters: () => Promise<Record<string, ChannelCounters>>;
  /** Messages waiting in the delivery consumers, not yet taken by a worker. */
  consumerPending: () => Promise<number>;
  /** Subscribe streams open in this process. */
  openStreams: () => number;
  /** `hostname:pid`. */
  processId: string;
}

/** One GetPipelineHealth sample. */
export interface PipelineHealth {
  sampleTime: Date;
  /** Whether the deployment-wide figures below are filled in (see createOperatorHealth). */
  deploymentWide: boolean;
  channels: Array<ChannelCounters & { channelId: Channel; deadNow: number }>;
  outboxBacklog: number;
  /** Null when JetStream did not answer in time, or the figure is not the caller's to see. */
  consumerPending: number | null;
  oldestOverdueTimerSeconds: number;
  openStreams: number;
  processId: string;
}

/**
 * GetPipelineHealth, for `read` keys: cheap enough to poll every few seconds
 * from each open console (one statement, one JetStream info per channel with
 * a short timeout, memory reads).
 *
 * dead_now counts the caller's tenant's dead deliveries. Every other figure
 * (the process's counters, the outbox, the JetStream consumers, the workflow
 * timers, the open streams, the process) is the deployment's, shared by all
 * tenants: it would tell a tenant how much the others send. Only callers of
 * the default tenant (the deployment's operators) see them; other tenants get
 * zeros, no consumer_pending and no process id, and deploymentWide false.
 */
export function createOperatorHealth(deps: {
  db: Queryable;
  channels: readonly Channel[];
  probes: PipelineProbes;
  /** How long JetStream may take to say what is pending. */
  consumerTimeoutMs?: number;
}) {
  const timeoutMs = deps.consumerTimeoutMs ?? 1_000;
  return async function pipelineHealth(principal: Principal): Promise<PipelineHealth> {
    requireScope(principal, "read", "read the pipeline's health");
    const sampleTime = new Date();
    const deploymentWide = principal.tenantId === defaultTenant;
    const [stored, counters, pending] = await Promise.all([
      pipelineHealthReads.sample(deps.db, principal.tenantId, deploymentWide),
      deploymentWide ? deps.probes.counters() : ({} as Record<string, ChannelCounters>),
      deploymentWide ? withTimeout(deps.probes.consumerPending(), timeoutMs) : null,
    ]);
    return {
      sampleTime,
      deploymentWide,
      channels: deps.channels.map((channelId) => ({
        channelId,
        ...(counters[channelId] ?? { sent: 0, failed: 0, dead: 0 }),
        deadNow: stored.deadByChannel[channelId] ?? 0,
      })),
      outboxBacklog: stored.outboxBacklog ?? 0,
      consumerPending: pending,
      oldestOverdueTimerSeconds: stored.oldestOverdueTimerSeconds ?? 0,
      openStreams: deploymentWide ? deps.probes.openStreams() : 0,
      processId: deploymentWide ? deps.probes.processId : "",
    };
  };
}

/** The value, or null when it fails or takes longer than `ms` (JetStream away must not stall the sample). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** herald_deliveries_total's outcomes by channel as the sample counts them: a failed attempt was retried or is dead. */
export function deliveryCounters(totals: Record<string, Record<string, number>>): Record<string, ChannelCounters> {
  return Object.fromEntries(
    Object.entries(totals).map(([channel, t]) => [
      channel,
      { sent: t.sent ?? 0, failed: (t.retry ?? 0) + (t.dead ?? 0), dead: t.dead ?? 0 },
    ]),
  );
}
