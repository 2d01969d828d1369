import type { Queryable } from "./database.js";

/** What Postgres says about the pipeline, across every process. */
export interface StoredPipelineState {
  /** Dead deliveries now, by channel (channels with none are absent). */
  deadByChannel: Record<string, number>;
  /** Outbox rows due but not yet published to JetStream. */
  outboxBacklog: number;
  /** How late the most overdue workflow timer is, in seconds (0 when none is due). */
  oldestOverdueTimerSeconds: number;
}

/**
 * GetPipelineHealth's reads, in one statement (one round trip per sample, as a
 * console polls every few seconds): the dead count walks deliveries_by_status
 * (the dead only), the outbox its due index, the timers their due index.
 */
export const pipelineHealthReads = {
  async sample(q: Queryable): Promise<StoredPipelineState> {
    const [row] = await q.rows<{ dead: Record<string, number> | null; outbox: number; overdue: number | null }>(
      `SELECT
         (SELECT json_object_agg(x.channel, x.n) FROM
            (SELECT d.channel, count(*)::int AS n FROM deliveries d WHERE d.status = 'dead' GROUP BY d.channel) x)
           AS dead,
         (SELECT count(*)::int FROM outbox o WHERE o.available_at <= now()) AS outbox,
         (SELECT extract(epoch FROM now() - min(t.due_at))::float8 FROM workflow_timers t WHERE t.due_at <= now())
           AS overdue`,
    );
    return {
      deadByChannel: row?.dead ?? {},
      outboxBacklog: row?.outbox ?? 0,
      oldestOverdueTimerSeconds: Math.max(0, row?.overdue ?? 0),
    };
  },
};
