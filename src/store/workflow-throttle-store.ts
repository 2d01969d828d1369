import type { Queryable } from "./database.js";

/** Where a throttle counts: one recipient, workflow, throttle step and key. */
export interface ThrottleScope {
  userId: string;
  workflowKey: string;
  stepIndex: number;
  throttleKey: string;
}

/**
 * Throttle counters: the only writer of workflow_throttle_hits, one row per
 * notification a throttle let through, counted over a sliding window, per
 * tenant (the same user id in two tenants is two people).
 */
export const workflowThrottleStore = {
  /**
   * Lets one more notification through if fewer than `limit` passed in the
   * window ending at `now`, and records it. Serialised per scope by a
   * transaction-level advisory lock, so two concurrent firings cannot both
   * take the last place.
   */
  async pass(
    q: Queryable,
    tenantId: string,
    s: ThrottleScope,
    limit: number,
    windowMs: number,
    now: Date,
  ): Promise<{ passed: boolean; count: number }> {
    // The lock is a statement of its own: the count must run on a snapshot
    // taken after the lock was granted, or it would miss the hit of the
    // transaction that held it.
    await q.rows("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
      `herald.throttle:${tenantId}/${s.userId}:${s.workflowKey}:${s.stepIndex}:${s.throttleKey}`,
    ]);
    const [row] = await q.rows<{ passed: boolean; count: number }>(
      `WITH counted AS (
         SELECT count(*)::int AS count FROM workflow_throttle_hits
         WHERE tenant_id = $8 AND user_id = $1 AND workflow_key = $2 AND step_index = $3 AND throttle_key = $4
           AND hit_at > $5::timestamptz - make_interval(secs => $6::float8 / 1000) AND hit_at <= $5
       ),
       hit AS (
         INSERT INTO workflow_throttle_hits (tenant_id, user_id, workflow_key, step_index, throttle_key, hit_at)
         SELECT $8, $1, $2, $3, $4, $5 FROM counted WHERE count < $7
       )
       SELECT count < $7 AS passed, count FROM counted`,
      [s.userId, s.workflowKey, s.stepIndex, s.throttleKey, now, windowMs, limit, tenantId],
    );
    return { passed: row?.passed ?? false, count: row?.count ?? 0 };
  },

  /** Removes hits older than any window can reach (30 days, the contract's bound), of every tenant. */
  async prune(q: Queryable, before: Date): Promise<number> {
    return q.exec("DELETE FROM workflow_throttle_hits WHERE hit_at < $1", [before]);
  },
};
