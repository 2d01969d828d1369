import type { DeliveryJob } from "../domain/deliverer.js";
import type { ProviderReceipt } from "../domain/delivery-errors.js";
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
}

/**
 * A worker's side of a delivery: what to send, the lease that keeps two
 * workers from sending it at once, and the record of each attempt. Each is one
 * statement, so the row lock a statement takes lasts no longer than it.
 */
export const attemptStore = {
  /** The delivery, its notification and the recipient's address on its channel, in one query. */
  async job(q: Queryable, deliveryId: string): Promise<DeliveryJob | null> {
    const [row] = await q.rows<
      DeliveryRow & { content: Record<string, string> | null; address: string } & {
        [K in keyof NotificationRow as `n_${K}`]: NotificationRow[K];
      }
    >(
      `SELECT ${deliveryColumns}, d.content,
         n.id AS n_id, n.user_id AS n_user_id, n.category AS n_category, n.title AS n_title, n.body AS n_body,
         n.action_url AS n_action_url, n.data AS n_data, n.priority AS n_priority, n.created_at AS n_created_at,
         n.send_at AS n_send_at, n.read_at AS n_read_at, n.archived_at AS n_archived_at,
         coalesce(r.addresses ->> d.channel, '') AS address
       FROM deliveries d
       JOIN notifications n ON n.id = d.notification_id
       LEFT JOIN recipients r ON r.user_id = n.user_id
       WHERE d.id = $1`,
      [deliveryId],
    );
    if (row === undefined) return null;
    const n = Object.fromEntries(
      Object.entries(row)
        .filter(([k]) => k.startsWith("n_"))
        .map(([k, v]) => [k.slice(2), v]),
    ) as unknown as NotificationRow;
    return {
      delivery: toDelivery(row),
      notification: toNotification(n),
      content: row.content,
      address: row.address,
    };
  },

  /**
   * Takes a delivery for one attempt, if it is waiting (pending, failed,
   * scheduled) or its last holder's lease ran out (the worker died). A lease
   * that ran out is recorded as a failed attempt. Null when another worker holds
   * it or it is settled.
   */
  async lease(q: Queryable, deliveryId: string, leaseMs: number): Promise<Lease | null> {
    const [row] = await q.rows<{ attempts: number; generation_attempts: number; now: Date }>(
      `WITH before AS (
         SELECT id, status, attempts, lease_until FROM deliveries WHERE id = $1 FOR UPDATE
       ),
       leased AS (
         UPDATE deliveries d
         SET status = 'sending', lease_until = now() + make_interval(secs => $2::float8 / 1000),
             attempts = d.attempts + 1, generation_attempts = d.generation_attempts + 1, updated_at = now()
         FROM before b
         WHERE d.id = b.id
           AND (b.status IN ('pending', 'failed', 'scheduled') OR (b.status = 'sending' AND b.lease_until < now()))
         RETURNING d.attempts, d.generation_attempts, now() AS now, b.status AS before_status,
                   b.attempts AS before_attempts, b.lease_until AS before_lease
       ),
       abandoned AS (
         INSERT INTO delivery_attempts (delivery_id, number, started_at, finished_at, outcome, error)
         SELECT $1, before_attempts, before_lease - make_interval(secs => $2::float8 / 1000), before_lease,
                'transient_error', 'the worker stopped during the attempt (its lease ran out)'
         FROM leased WHERE before_status = 'sending'
         ON CONFLICT (delivery_id, number) DO NOTHING
       )
       SELECT attempts, generation_attempts, now FROM leased`,
      [deliveryId, leaseMs],
    );
    return row ? { attempt: row.attempts, generationAttempts: row.generation_attempts, startedAt: row.now } : null;
  },

  /** Records a successful attempt; false if the lease was lost meanwhile (another worker took over). */
  async recordSent(q: Queryable, deliveryId: string, lease: Lease, receipt: ProviderReceipt): Promise<boolean> {
    const rows = await q.rows<{ number: number }>(
      `WITH sent AS (
         UPDATE deliveries SET status = 'sent', lease_until = NULL, next_attempt_at = NULL, last_error = '',
           provider_message_id = $3, updated_at = now()
         WHERE id = $1 AND status = 'sending' AND attempts = $2
         RETURNING id
       )
       INSERT INTO delivery_attempts (delivery_id, number, started_at, finished_at, outcome, provider_message_id, provider)
       SELECT id, $2, $4, now(), 'sent', $3, $5 FROM sent
       ON CONFLICT (delivery_id, number) DO NOTHING
       RETURNING number`,
      [deliveryId, lease.attempt, receipt.providerMessageId, lease.startedAt, receipt.provider ?? ""],
    );
    return rows.length > 0;
  },

  /** Records a failed attempt: `failed` with its next try, or `dead`. */
  async recordFailure(q: Queryable, deliveryId: string, lease: Lease, failure: Failure): Promise<void> {
    await q.exec(
      `WITH failed AS (
         UPDATE deliveries SET status = $3, lease_until = NULL, next_attempt_at = $4, last_error = $5, updated_at = now()
         WHERE id = $1 AND status = 'sending' AND attempts = $2
         RETURNING id
       )
       INSERT INTO delivery_attempts (delivery_id, number, started_at, finished_at, outcome, error, provider)
       SELECT id, $2, $6, now(), $7, $5, $8 FROM failed
       ON CONFLICT (delivery_id, number) DO NOTHING`,
      [
        deliveryId,
        lease.attempt,
        failure.dead ? "dead" : "failed",
        failure.nextAttemptAt,
        failure.error,
        lease.startedAt,
        failure.permanent ? "permanent_error" : "transient_error",
        failure.provider,
      ],
    );
  },

  /** Settles a waiting or leased delivery without an attempt (suppressed, sent in-app, or dead before trying). */
  async settle(
    q: Queryable,
    deliveryId: string,
    status: Extract<DeliveryStatus, "suppressed" | "dead" | "sent">,
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
