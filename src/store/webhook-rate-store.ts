import type { Queryable } from "./database.js";

/**
 * Per-endpoint rate limits, shared by every Herald process: a GCRA (generic
 * cell rate algorithm) over one timestamp on the endpoint's row, `rate_tat`,
 * the time the next post may go. Each delivery reserves the next slot (no
 * burst: posts are spaced 1/limit apart); one whose slot is later is put off
 * until then, and its slot is kept in `webhook_rate_holds` so that coming back
 * it goes in that slot instead of reserving another (which would slow the
 * endpoint down to less than its limit).
 */
export const webhookRateStore = {
  /**
   * Reserves a slot for `deliveryId` on the endpoint (or takes the one it
   * reserved before) and returns how many ms it must wait for it (<= 0: go now).
   */
  async reserve(
    q: Queryable,
    tenantId: string,
    endpointId: string,
    deliveryId: string,
    perSecond: number,
  ): Promise<number> {
    const [row] = await q.rows<{ wait_ms: number; slot_at: Date }>(
      `WITH held AS (
         DELETE FROM webhook_rate_holds WHERE tenant_id = $1 AND delivery_id = $3 RETURNING slot_at
       ),
       reserved AS (
         UPDATE webhook_endpoints
         SET rate_tat = GREATEST(rate_tat, now()) + make_interval(secs => 1.0 / $4::int)
         WHERE tenant_id = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM held)
         RETURNING rate_tat - make_interval(secs => 1.0 / $4::int) AS slot_at
       ),
       slot AS (SELECT slot_at FROM held UNION ALL SELECT slot_at FROM reserved)
       SELECT extract(epoch FROM slot_at - clock_timestamp()) * 1000 AS wait_ms, slot_at FROM slot`,
      [tenantId, endpointId, deliveryId, perSecond],
    );
    // The endpoint is gone: nothing to space out (the deliverer says what became of it).
    if (row === undefined) return 0;
    const waitMs = Number(row.wait_ms);
    if (waitMs > 0) {
      await q.exec(
        `INSERT INTO webhook_rate_holds (delivery_id, tenant_id, slot_at) VALUES ($1, $2, $3)
         ON CONFLICT (delivery_id) DO UPDATE SET slot_at = EXCLUDED.slot_at`,
        [deliveryId, tenantId, row.slot_at],
      );
    }
    return waitMs;
  },
};
