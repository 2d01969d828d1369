import type { Channel, Delivery, DeliveryAttempt, DeliveryStatus, Notification } from "../domain/notification.js";
import { type TraceHeaders, traceHeaders } from "../telemetry/propagation.js";
import { type Database, execute, queryRows, type Tx } from "./database.js";
import { type DeliveryRow, deliveryColumns, type NotificationRow, toDelivery, toNotification } from "./rows.js";

/** A delivery about to be written; `queue` also writes its outbox row, due at `dueAt`. */
export interface NewDelivery {
  id: string;
  notificationId: string;
  channel: Channel;
  target: string;
  status: DeliveryStatus;
  dueAt: Date;
  /** What a worker sends (rendered at Send time); null for in-app and webhooks. */
  content: object | null;
  queue: boolean;
}

/** An outbox row the relay is publishing. */
export interface OutboxItem {
  outboxId: number;
  deliveryId: string;
  notificationId: string;
  channel: Channel;
  generation: number;
  /** The trace the delivery was queued in (W3C headers); empty if none. */
  trace: TraceHeaders;
}

/** What a worker needs to make a delivery. */
export interface DeliveryJob {
  delivery: Delivery;
  notification: Notification;
  content: object | null;
  /** The recipient's current addresses ("" for none), read with the delivery. */
  contact: { email: string; phone: string };
}

/** A worker's hold on a delivery while it is with the provider. */
export interface Lease {
  /** The attempt's number among all of the delivery's attempts. */
  attempt: number;
  /** Attempts since the delivery was last put back in line (the retry budget counts these). */
  generationAttempts: number;
  startedAt: Date;
}

interface AttemptRow {
  delivery_id: string;
  number: number;
  started_at: Date;
  finished_at: Date;
  outcome: DeliveryAttempt["outcome"];
  error: string;
  provider_message_id: string;
}

/** Deliveries, their attempts and the outbox that feeds JetStream. */
export class DeliveryStore {
  constructor(private readonly db: Database) {}

  /**
   * Claims up to `limit` due outbox rows, locked until `tx` ends; rows another
   * process holds are skipped, so several relays publish each row once.
   */
  async claimOutbox(tx: Tx, limit: number): Promise<OutboxItem[]> {
    const rows = await queryRows<{
      id: number;
      delivery_id: string;
      notification_id: string;
      channel: Channel;
      generation: number;
      trace_context: TraceHeaders | null;
    }>(
      this.db,
      `SELECT o.id, o.delivery_id, d.notification_id, o.channel, o.generation, o.trace_context
       FROM outbox o JOIN deliveries d ON d.id = o.delivery_id
       WHERE o.available_at <= now()
       ORDER BY o.available_at, o.id
       LIMIT $1
       FOR UPDATE OF o SKIP LOCKED`,
      [limit],
      tx,
    );
    return rows.map((r) => ({
      outboxId: r.id,
      deliveryId: r.delivery_id,
      notificationId: r.notification_id,
      channel: r.channel,
      generation: r.generation,
      trace: r.trace_context ?? {},
    }));
  }

  /** Removes published outbox rows; scheduled deliveries among them are now pending. */
  async published(tx: Tx, items: OutboxItem[]): Promise<void> {
    if (items.length === 0) return;
    await execute(this.db, "DELETE FROM outbox WHERE id = ANY($1::bigint[])", [items.map((i) => i.outboxId)], tx);
    await execute(
      this.db,
      "UPDATE deliveries SET status = 'pending', updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'scheduled'",
      [items.map((i) => i.deliveryId)],
      tx,
    );
  }

  /** Unpublished outbox rows and the age of the oldest, for metrics and tests. */
  async outboxBacklog(): Promise<{ count: number; oldestAgeMs: number }> {
    const [row] = await queryRows<{ count: number; age_ms: number | null }>(
      this.db,
      `SELECT count(*)::int AS count, (extract(epoch FROM now() - min(available_at)) * 1000)::float8 AS age_ms
       FROM outbox WHERE available_at <= now()`,
      [],
      undefined,
    );
    return { count: row?.count ?? 0, oldestAgeMs: Math.max(0, row?.age_ms ?? 0) };
  }

  /** The delivery, its notification and the recipient's addresses, in one query. */
  async job(deliveryId: string): Promise<DeliveryJob | null> {
    const [row] = await queryRows<
      DeliveryRow & { content: object | null; contact_email: string; contact_phone: string } & {
        [K in keyof NotificationRow as `n_${K}`]: NotificationRow[K];
      }
    >(
      this.db,
      `SELECT ${deliveryColumns}, d.content,
         n.id AS n_id, n.user_id AS n_user_id, n.category AS n_category, n.title AS n_title, n.body AS n_body,
         n.action_url AS n_action_url, n.data AS n_data, n.priority AS n_priority, n.created_at AS n_created_at,
         n.send_at AS n_send_at, n.read_at AS n_read_at, n.archived_at AS n_archived_at,
         coalesce(r.email, '') AS contact_email, coalesce(r.phone, '') AS contact_phone
       FROM deliveries d
       JOIN notifications n ON n.id = d.notification_id
       LEFT JOIN recipients r ON r.user_id = n.user_id
       WHERE d.id = $1`,
      [deliveryId],
      undefined,
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
      contact: { email: row.contact_email, phone: row.contact_phone },
    };
  }

  /**
   * Takes a delivery for one attempt, if it is waiting (pending, failed,
   * scheduled) or its last holder's lease ran out (the worker died). A lease
   * that ran out is recorded as a failed attempt. Null when another worker holds
   * it or it is settled. One statement: the row lock it takes lasts only as
   * long as the statement.
   */
  async lease(deliveryId: string, leaseMs: number): Promise<Lease | null> {
    const [row] = await queryRows<{ attempts: number; generation_attempts: number; now: Date }>(
      this.db,
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
      undefined,
    );
    return row ? { attempt: row.attempts, generationAttempts: row.generation_attempts, startedAt: row.now } : null;
  }

  /** Records a successful attempt; false if the lease was lost meanwhile (another worker took over). */
  async recordSent(deliveryId: string, lease: Lease, providerMessageId: string): Promise<boolean> {
    const rows = await queryRows<{ number: number }>(
      this.db,
      `WITH sent AS (
         UPDATE deliveries SET status = 'sent', lease_until = NULL, next_attempt_at = NULL, last_error = '',
           provider_message_id = $3, updated_at = now()
         WHERE id = $1 AND status = 'sending' AND attempts = $2
         RETURNING id
       )
       INSERT INTO delivery_attempts (delivery_id, number, started_at, finished_at, outcome, provider_message_id)
       SELECT id, $2, $4, now(), 'sent', $3 FROM sent
       ON CONFLICT (delivery_id, number) DO NOTHING
       RETURNING number`,
      [deliveryId, lease.attempt, providerMessageId, lease.startedAt],
      undefined,
    );
    return rows.length > 0;
  }

  /** Records a failed attempt: `failed` with its next try, or `dead`. */
  async recordFailure(
    deliveryId: string,
    lease: Lease,
    failure: { permanent: boolean; dead: boolean; error: string; nextAttemptAt: Date | null },
  ): Promise<void> {
    await execute(
      this.db,
      `WITH failed AS (
         UPDATE deliveries SET status = $3, lease_until = NULL, next_attempt_at = $4, last_error = $5, updated_at = now()
         WHERE id = $1 AND status = 'sending' AND attempts = $2
         RETURNING id
       )
       INSERT INTO delivery_attempts (delivery_id, number, started_at, finished_at, outcome, error)
       SELECT id, $2, $6, now(), $7, $5 FROM failed
       ON CONFLICT (delivery_id, number) DO NOTHING`,
      [
        deliveryId,
        lease.attempt,
        failure.dead ? "dead" : "failed",
        failure.nextAttemptAt,
        failure.error,
        lease.startedAt,
        failure.permanent ? "permanent_error" : "transient_error",
      ],
      undefined,
    );
  }

  /** Settles a waiting or leased delivery without an attempt (suppressed, or dead before trying). */
  async settle(deliveryId: string, status: "suppressed" | "dead" | "sent", error = "", tx?: Tx): Promise<boolean> {
    return (
      (await execute(
        this.db,
        `UPDATE deliveries SET status = $2, last_error = $3, lease_until = NULL, next_attempt_at = NULL, updated_at = now()
         WHERE id = $1 AND status IN ('pending', 'failed', 'scheduled', 'sending')`,
        [deliveryId, status, error],
        tx,
      )) > 0
    );
  }

  /** Cancels a notification's deliveries that have not gone out; returns how many. */
  async cancel(tx: Tx, notificationId: string): Promise<number> {
    await execute(
      this.db,
      "DELETE FROM outbox WHERE delivery_id IN (SELECT id FROM deliveries WHERE notification_id = $1)",
      [notificationId],
      tx,
    );
    return execute(
      this.db,
      `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, updated_at = now()
       WHERE notification_id = $1 AND status IN ('scheduled', 'pending', 'failed')`,
      [notificationId],
      tx,
    );
  }

  /** Puts a dead delivery back in line with a fresh retry budget; null unless it was dead. */
  async retry(tx: Tx, deliveryId: string): Promise<Delivery | null> {
    const [row] = await queryRows<DeliveryRow & { generation: number }>(
      this.db,
      `UPDATE deliveries d SET status = 'pending', generation = generation + 1, generation_attempts = 0,
         next_attempt_at = NULL, updated_at = now()
       WHERE id = $1 AND status = 'dead'
       RETURNING ${deliveryColumns}, d.generation`,
      [deliveryId],
      tx,
    );
    if (row === undefined) return null;
    await execute(
      this.db,
      "INSERT INTO outbox (delivery_id, channel, generation, available_at, trace_context) VALUES ($1, $2, $3, now(), $4)",
      [row.id, row.channel, row.generation, traceJson()],
      tx,
    );
    return toDelivery(row);
  }

  async get(deliveryId: string): Promise<Delivery | null> {
    const [row] = await queryRows<DeliveryRow>(
      this.db,
      `SELECT ${deliveryColumns} FROM deliveries d WHERE d.id = $1`,
      [deliveryId],
      undefined,
    );
    return row ? ((await this.withHistory([toDelivery(row)]))[0] ?? null) : null;
  }

  /** A notification's deliveries with their attempts. */
  async forNotification(notificationId: string, tx?: Tx): Promise<Delivery[]> {
    const rows = await queryRows<DeliveryRow>(
      this.db,
      `SELECT ${deliveryColumns} FROM deliveries d WHERE d.notification_id = $1 ORDER BY d.channel, d.target`,
      [notificationId],
      tx,
    );
    return this.withHistory(rows.map(toDelivery), tx);
  }

  /** Deliveries with a status, newest first, below `beforeId` (ids are time-ordered). */
  async listByStatus(q: {
    status: DeliveryStatus;
    channel: Channel | null;
    beforeId: string | null;
    limit: number;
  }): Promise<Delivery[]> {
    const rows = await queryRows<DeliveryRow>(
      this.db,
      `SELECT ${deliveryColumns} FROM deliveries d
       WHERE d.status = $1 AND ($2::text IS NULL OR d.channel = $2) AND ($3::uuid IS NULL OR d.id < $3)
       ORDER BY d.id DESC LIMIT $4`,
      [q.status, q.channel, q.beforeId, q.limit],
      undefined,
    );
    return this.withHistory(rows.map(toDelivery));
  }

  private async withHistory(deliveries: Delivery[], tx?: Tx): Promise<Delivery[]> {
    if (deliveries.length === 0) return deliveries;
    const rows = await queryRows<AttemptRow>(
      this.db,
      `SELECT delivery_id, number, started_at, finished_at, outcome, error, provider_message_id
       FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY number`,
      [deliveries.map((d) => d.id)],
      tx,
    );
    const byDelivery = new Map<string, DeliveryAttempt[]>();
    for (const r of rows) {
      const list = byDelivery.get(r.delivery_id) ?? [];
      list.push({
        number: r.number,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        outcome: r.outcome,
        error: r.error,
        providerMessageId: r.provider_message_id,
      });
      byDelivery.set(r.delivery_id, list);
    }
    return deliveries.map((d) => ({ ...d, history: byDelivery.get(d.id) ?? [] }));
  }
}

/** The current trace as stored with outbox rows; null when nothing is traced. */
function traceJson(): string | null {
  const headers = traceHeaders();
  return Object.keys(headers).length === 0 ? null : JSON.stringify(headers);
}
