import type { DeliveryJob } from "../domain/deliverer.js";
import type { HttpExchange, ProviderReceipt } from "../domain/delivery-errors.js";
import type { DeliveryAttempt, DeliveryStatus } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import type { Lease } from "./delivery-store.js";
import { type DeliveryRow, deliveryColumns, type NotificationRow, toDelivery, toNotification } from "./rows.js";

/** How an attempt that failed ends: waiting for its next try, or dead. */
export interface Failure {
  /** The provider that answered last, for channels that name theirs; "" otherwise. */
  provider: string;
  permanent: boolean;
  dead: boolean;
  error: string;
  nextAttemptAt: Date | null;
  /** What the receiver answered (webhooks), kept with the attempt. */
  exchange?: HttpExchange;
}

/** One write of a worker's: a lease, or the result of the attempt it leased. */
export type AttemptWrite =
  | { kind: "lease"; deliveryId: string; leaseMs: number }
  | { kind: "sent"; deliveryId: string; lease: Lease; receipt: ProviderReceipt }
  | { kind: "failure"; deliveryId: string; lease: Lease; failure: Failure };

/** A lease (or null: held elsewhere or settled); for a result, whether it was recorded (false: the lease was lost). */
export type AttemptWriteResult = Lease | null | boolean;

function resultJson(w: Exclude<AttemptWrite, { kind: "lease" }>) {
  const sent = w.kind === "sent";
  const exchange = sent ? w.receipt.exchange : w.failure.exchange;
  return {
    id: w.deliveryId,
    attempt: w.lease.attempt,
    started_at: w.lease.startedAt.toISOString(),
    status: sent ? "sent" : w.failure.dead ? "dead" : "failed",
    outcome: sent ? "sent" : w.failure.permanent ? "permanent_error" : "transient_error",
    next_attempt_at: sent ? null : (w.failure.nextAttemptAt?.toISOString() ?? null),
    error: sent ? "" : w.failure.error,
    provider_message_id: sent ? w.receipt.providerMessageId : "",
    provider: (sent ? w.receipt.provider : w.failure.provider) ?? "",
    endpoint_id: exchange?.endpointId ?? null,
    status_code: exchange?.statusCode ?? null,
    duration_ms: exchange === undefined ? null : Math.round(exchange.durationMs),
    response_excerpt: exchange?.responseExcerpt ?? "",
  };
}

/**
 * Results first (only a delivery in `sending` under the same attempt number
 * takes one), then leases (a waiting delivery, or one whose holder's lease ran
 * out: that attempt is recorded as abandoned). `before` locks every row the
 * statement changes, in id order, and keeps the values a lease replaces.
 */
const writeAttemptsSql = `WITH lease_req AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS l(id uuid, lease_ms float8)
  ),
  result_req AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, attempt int, started_at timestamptz, status text,
      outcome text, next_attempt_at timestamptz, error text, provider_message_id text, provider text,
      endpoint_id uuid, status_code int, duration_ms int, response_excerpt text)
  ),
  before AS (
    SELECT id, status, attempts, lease_until FROM deliveries
    WHERE id IN (SELECT id FROM lease_req UNION ALL SELECT id FROM result_req)
    ORDER BY id FOR UPDATE
  ),
  finished AS (
    UPDATE deliveries d SET status = r.status, lease_until = NULL, next_attempt_at = r.next_attempt_at,
      last_error = r.error, updated_at = now(),
      provider_message_id = CASE WHEN r.outcome = 'sent' THEN r.provider_message_id ELSE d.provider_message_id END
    FROM result_req r JOIN before b ON b.id = r.id
    WHERE d.id = r.id AND b.status = 'sending' AND b.attempts = r.attempt
    RETURNING d.id
  ),
  recorded AS (
    INSERT INTO delivery_attempts (delivery_id, number, started_at, finished_at, outcome, error, provider_message_id, provider,
      endpoint_id, status_code, duration_ms, response_excerpt)
    SELECT r.id, r.attempt, r.started_at, now(), r.outcome, r.error, r.provider_message_id, r.provider,
      r.endpoint_id, r.status_code, r.duration_ms, r.response_excerpt
    FROM result_req r JOIN finished f ON f.id = r.id
    ON CONFLICT (delivery_id, number) DO NOTHING
    RETURNING delivery_id
  ),
  leased AS (
    UPDATE deliveries d
    SET status = 'sending', lease_until = now() + make_interval(secs => l.lease_ms / 1000),
        attempts = d.attempts + 1, generation_attempts = d.generation_attempts + 1, updated_at = now()
    FROM lease_req l JOIN before b ON b.id = l.id
    WHERE d.id = l.id
      AND (b.status IN ('pending', 'failed', 'scheduled') OR (b.status = 'sending' AND b.lease_until < now()))
    RETURNING d.id, d.attempts, d.generation_attempts, b.status AS before_status,
              b.attempts AS before_attempts, b.lease_until AS before_lease, l.lease_ms
  ),
  abandoned AS (
    INSERT INTO delivery_attempts (delivery_id, number, started_at, finished_at, outcome, error)
    SELECT id, before_attempts, before_lease - make_interval(secs => lease_ms / 1000), before_lease,
           'transient_error', 'the worker stopped during the attempt (its lease ran out)'
    FROM leased WHERE before_status = 'sending'
    ON CONFLICT (delivery_id, number) DO NOTHING
  )
  SELECT 'lease' AS kind, id, attempts, generation_attempts, now() AS now FROM leased
  UNION ALL
  SELECT 'result', delivery_id, NULL, NULL, now() FROM recorded`;

/**
 * A worker's side of a delivery: what to send, the lease that keeps two
 * workers from sending it at once, and the record of each attempt. Each is one
 * statement, so the row lock a statement takes lasts no longer than it.
 */
export const attemptStore = {
  /** The delivery, its notification and the recipient's address on its channel, in one query. */
  async job(q: Queryable, deliveryId: string): Promise<DeliveryJob | null> {
    const [job] = await attemptStore.jobs(q, [deliveryId]);
    return job ?? null;
  },

  /**
   * Several deliveries' jobs in one query, in the order of `deliveryIds` (null
   * for one that is gone). The ids come from JetStream, which carries no
   * tenant: each job's tenant is its delivery row's (job.notification.tenantId),
   * and its notification and recipient are read in that tenant only.
   */
  async jobs(q: Queryable, deliveryIds: readonly string[]): Promise<(DeliveryJob | null)[]> {
    const rows = await q.rows<
      DeliveryRow & { content: Record<string, string> | null; address: string; event_seq: string } & {
        [K in keyof NotificationRow as `n_${K}`]: NotificationRow[K];
      }
    >(
      `SELECT ${deliveryColumns}, d.content, d.event_seq,
         n.id AS n_id, n.tenant_id AS n_tenant_id, n.user_id AS n_user_id, n.category AS n_category, n.title AS n_title, n.body AS n_body,
         n.action_url AS n_action_url, n.data AS n_data, n.priority AS n_priority, n.created_at AS n_created_at,
         n.send_at AS n_send_at, n.read_at AS n_read_at, n.archived_at AS n_archived_at, n.expire_at AS n_expire_at,
         n.tags AS n_tags, n.actions AS n_actions, n.interaction AS n_interaction,
         coalesce(n.seen_at, n.read_at) AS n_seen_at,
         n.group_key AS n_group_key, n.version AS n_version, n.updated_at AS n_updated_at,
         n.retracted_at AS n_retracted_at,
         coalesce(r.addresses ->> d.channel, '') AS address
       FROM deliveries d
       JOIN notifications n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id
       LEFT JOIN recipients r ON r.tenant_id = n.tenant_id AND r.user_id = n.user_id
       WHERE d.id = ANY($1::uuid[])`,
      [deliveryIds],
    );
    const byId = new Map(
      rows.map((row) => {
        const n = Object.fromEntries(
          Object.entries(row)
            .filter(([k]) => k.startsWith("n_"))
            .map(([k, v]) => [k.slice(2), v]),
        ) as unknown as NotificationRow;
        const job: DeliveryJob = {
          delivery: toDelivery(row),
          notification: toNotification(n),
          content: row.content,
          address: row.address,
          eventSeq: Number(row.event_seq ?? 0),
        };
        return [job.delivery.id.toLowerCase(), job];
      }),
    );
    return deliveryIds.map((id) => byId.get(id.toLowerCase()) ?? null);
  },

  /**
   * Takes a delivery for one attempt, if it is waiting (pending, failed,
   * scheduled) or its last holder's lease ran out (the worker died). A lease
   * that ran out is recorded as a failed attempt. Null when another worker holds
   * it or it is settled.
   */
  async lease(q: Queryable, deliveryId: string, leaseMs: number): Promise<Lease | null> {
    const [lease] = await attemptStore.write(q, [{ kind: "lease", deliveryId, leaseMs }]);
    return (lease as Lease | null | undefined) ?? null;
  },

  /** Records a successful attempt; false if the lease was lost meanwhile (another worker took over). */
  async recordSent(q: Queryable, deliveryId: string, lease: Lease, receipt: ProviderReceipt): Promise<boolean> {
    const [recorded] = await attemptStore.write(q, [{ kind: "sent", deliveryId, lease, receipt }]);
    return recorded === true;
  },

  /** Records a failed attempt: `failed` with its next try, or `dead`. */
  async recordFailure(q: Queryable, deliveryId: string, lease: Lease, failure: Failure): Promise<void> {
    await attemptStore.write(q, [{ kind: "failure", deliveryId, lease, failure }]);
  },

  /**
   * Leases and attempt results of several deliveries in one statement (so one
   * commit): each member gets what its own lease, recordSent or recordFailure
   * would return. Members must name distinct deliveries (the statement would
   * change a row twice otherwise). Rows are locked in id order, so two batches
   * (two processes) never deadlock each other. See attempt-journal.ts for why
   * batching keeps every guarantee of one statement per write.
   */
  async write(q: Queryable, batch: readonly AttemptWrite[]): Promise<AttemptWriteResult[]> {
    const leases = [];
    const results = [];
    for (const w of batch) {
      if (w.kind === "lease") leases.push({ id: w.deliveryId, lease_ms: w.leaseMs });
      else results.push(resultJson(w));
    }
    const rows = await q.rows<{
      kind: "lease" | "result";
      id: string;
      attempts: number;
      generation_attempts: number;
      now: Date;
    }>(writeAttemptsSql, [JSON.stringify(leases), JSON.stringify(results)]);
    const leased = new Map(rows.filter((r) => r.kind === "lease").map((r) => [r.id, r]));
    const recorded = new Set(rows.filter((r) => r.kind === "result").map((r) => r.id));
    return batch.map((w) => {
      if (w.kind !== "lease") return recorded.has(w.deliveryId);
      const row = leased.get(w.deliveryId);
      return row ? { attempt: row.attempts, generationAttempts: row.generation_attempts, startedAt: row.now } : null;
    });
  },

  /**
   * Settles a waiting or leased delivery without an attempt (suppressed, sent
   * in-app, dead before trying, or canceled: its endpoint is disabled).
   */
  async settle(
    q: Queryable,
    deliveryId: string,
    status: Extract<DeliveryStatus, "suppressed" | "dead" | "sent" | "canceled">,
    error = "",
  ): Promise<boolean> {
    return (
      (await q.exec(
        `UPDATE deliveries SET status = $2, last_error = $3, lease_until = NULL, next_attempt_at = NULL, updated_at = now()
         WHERE id = $1 AND status IN ('pending', 'failed', 'scheduled', 'sending')`,
        [deliveryId, status, error],
      )) > 0
    );
  },
};

export type AttemptStore = typeof attemptStore;
export type { DeliveryAttempt };
