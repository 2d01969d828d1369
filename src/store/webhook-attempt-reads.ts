import type { Queryable } from "./database.js";

/** One attempt to post to an endpoint, as ListWebhookAttempts shows it. */
export interface WebhookAttemptRecord {
  notificationId: string;
  deliveryId: string;
  number: number;
  startedAt: Date;
  finishedAt: Date;
  succeeded: boolean;
  statusCode: number;
  durationMs: number;
  responseExcerpt: string;
  error: string;
  /** finished_at exactly as Postgres has it (microseconds), for the cursor. */
  finishedKey: string;
}

/** Where a page of attempts ends: the next page starts after it. */
export interface AttemptCursor {
  /** WebhookAttemptRecord.finishedKey */
  finishedKey: string;
  deliveryId: string;
  number: number;
}

interface AttemptRow {
  notification_id: string;
  delivery_id: string;
  number: number;
  started_at: Date;
  finished_at: Date;
  outcome: string;
  status_code: number | null;
  duration_ms: number | null;
  response_excerpt: string;
  error: string;
  finished_key: string;
}

/**
 * An endpoint's attempts, newest first, from `delivery_attempts_by_endpoint`
 * (attempts carry the endpoint they posted to). The delivery's tenant is
 * checked too: an endpoint id is one tenant's, and this keeps it so.
 */
export const webhookAttemptReads = {
  async page(
    q: Queryable,
    tenantId: string,
    query: { endpointId: string; succeeded: boolean | null; after: AttemptCursor | null; limit: number },
  ): Promise<WebhookAttemptRecord[]> {
    const rows = await q.rows<AttemptRow>(
      `SELECT d.notification_id, a.delivery_id, a.number, a.started_at, a.finished_at, a.outcome, a.status_code,
         a.duration_ms, a.response_excerpt, a.error, a.finished_at::text AS finished_key
       FROM delivery_attempts a
       JOIN deliveries d ON d.id = a.delivery_id AND d.tenant_id = $1
       WHERE a.endpoint_id = $2
         AND ($3::boolean IS NULL OR (a.outcome = 'sent') = $3)
         AND ($4::timestamptz IS NULL OR (a.finished_at, a.delivery_id, a.number) < ($4, $5::uuid, $6::int))
       ORDER BY a.finished_at DESC, a.delivery_id DESC, a.number DESC
       LIMIT $7`,
      [
        tenantId,
        query.endpointId,
        query.succeeded,
        query.after?.finishedKey ?? null,
        query.after?.deliveryId ?? null,
        query.after?.number ?? null,
        query.limit,
      ],
    );
    return rows.map((r) => ({
      notificationId: r.notification_id,
      deliveryId: r.delivery_id,
      number: r.number,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      succeeded: r.outcome === "sent",
      statusCode: r.status_code ?? 0,
      durationMs: r.duration_ms ?? 0,
      responseExcerpt: r.response_excerpt,
      error: r.error,
      finishedKey: r.finished_key,
    }));
  },
};
