import type { Queryable } from "./database.js";

/** What Postgres says about the pipeline: the tenant's dead deliveries, and the deployment's queues. */
export interface StoredPipelineState {
  /** The tenant's dead deliveries now, by channel (channels with none are absent). */
  deadByChannel: Record<string, number>;
  /** Outbox rows due but not yet published to JetStream, of every tenant; null when not asked. */
  outboxBacklog: number | null;
  /** How late the most overdue workflow timer of any tenant is, in seconds (0 when none is due); null when not asked. */
  oldestOverdueTimerSeconds: number | null;
}

/**
 * How many dead deliveries (all channels together) and due outbox rows a
 * sample counts at most: a console polls every few seconds, and counting
 * millions of rows each time would make the health page a load of its own.
 * A count at the cap means "at least this many".
 */
export const healthCountCap = 100_000;

/**
 * GetPipelineHealth's reads, in one statement (one round trip per sample, as a
 * console polls every few seconds): the dead count walks deliveries_by_status
 * (the tenant's newest dead only, up to the cap), the outbox its due index (up
 * to the cap), the timers their due index. The outbox and the timers are the
 * deployment's queues, shared by all tenants (their rows carry no tenant):
 * they are read only when `deploymentWide` asks for them.
 */
export const pipelineHealthReads = {
  async sample(q: Queryable, tenantId: string, deploymentWide: boolean): Promise<StoredPipelineState> {
    const queues = deploymentWide
      ? `(SELECT count(*)::int FROM (SELECT 1 FROM outbox o WHERE o.available_at <= now() LIMIT ${healthCountCap}) o)
           AS outbox,
         (SELECT extract(epoch FROM now() - min(t.due_at))::float8 FROM workflow_timers t WHERE t.due_at <= now())
           AS overdue`
      : "NULL::int AS outbox, NULL::float8 AS overdue";
    const [row] = await q.rows<{ dead: Record<string, number> | null; outbox: number | null; overdue: number | null }>(
      `SELECT
         (SELECT json_object_agg(x.channel, x.n) FROM
            (SELECT d.channel, count(*)::int AS n FROM
               (SELECT d.channel FROM deliveries d WHERE d.tenant_id = $1 AND d.status = 'dead'
                ORDER BY d.id DESC LIMIT ${healthCountCap}) d
             GROUP BY d.channel) x)
           AS dead,
         ${queues}`,
      [tenantId],
    );
    return {
      deadByChannel: row?.dead ?? {},
      outboxBacklog: deploymentWide ? (row?.outbox ?? 0) : null,
      oldestOverdueTimerSeconds: deploymentWide ? Math.max(0, row?.overdue ?? 0) : null,
    };
  },
};
