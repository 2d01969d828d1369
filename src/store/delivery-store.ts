import type { Channel, Delivery, DeliveryAttempt, DeliveryStatus } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import { type DeliveryRow, deliveryColumns, toDelivery } from "./rows.js";

/** A delivery about to be written; `queue` also puts it in the outbox, due at `dueAt`. */
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
  provider: string;
}

/**
 * Deliveries as operators and callers see and steer them: reads with every
 * attempt, Cancel and RetryDelivery. (Send writes them, store/send-store.ts;
 * workers attempt them, store/attempt-store.ts; the outbox queues them,
 * store/outbox-store.ts.)
 */
export const deliveryStore = {
  /** Cancels a notification's deliveries that have not gone out; returns how many. */
  async cancel(q: Queryable, notificationId: string): Promise<number> {
    return q.exec(
      `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, updated_at = now()
       WHERE notification_id = $1 AND status IN ('scheduled', 'pending', 'failed')`,
      [notificationId],
    );
  },

  /**
   * Puts a dead delivery back in line with a fresh retry budget and a new
   * generation (its JetStream message id changes with it); null unless it was
   * dead. The caller queues it in the outbox.
   */
  async revive(q: Queryable, deliveryId: string): Promise<{ delivery: Delivery; generation: number } | null> {
    const [row] = await q.rows<DeliveryRow & { generation: number }>(
      `UPDATE deliveries d SET status = 'pending', generation = generation + 1, generation_attempts = 0,
         next_attempt_at = NULL, updated_at = now()
       WHERE id = $1 AND status = 'dead'
       RETURNING ${deliveryColumns}, d.generation`,
      [deliveryId],
    );
    return row === undefined ? null : { delivery: toDelivery(row), generation: row.generation };
  },

  async get(q: Queryable, deliveryId: string): Promise<Delivery | null> {
    const [row] = await q.rows<DeliveryRow>(`SELECT ${deliveryColumns} FROM deliveries d WHERE d.id = $1`, [
      deliveryId,
    ]);
    return row ? ((await withHistory(q, [toDelivery(row)]))[0] ?? null) : null;
  },

  /** A notification's deliveries with their attempts. */
  async forNotification(q: Queryable, notificationId: string): Promise<Delivery[]> {
    const rows = await q.rows<DeliveryRow>(
      `SELECT ${deliveryColumns} FROM deliveries d WHERE d.notification_id = $1 ORDER BY d.channel, d.target`,
      [notificationId],
    );
    return withHistory(q, rows.map(toDelivery));
  },

  /** Deliveries with a status, newest first, below `beforeId` (ids are time-ordered). */
  async listByStatus(
    q: Queryable,
    query: { status: DeliveryStatus; channel: Channel | null; beforeId: string | null; limit: number },
  ): Promise<Delivery[]> {
    const rows = await q.rows<DeliveryRow>(
      `SELECT ${deliveryColumns} FROM deliveries d
       WHERE d.status = $1 AND ($2::text IS NULL OR d.channel = $2) AND ($3::uuid IS NULL OR d.id < $3)
       ORDER BY d.id DESC LIMIT $4`,
      [query.status, query.channel, query.beforeId, query.limit],
    );
    return withHistory(q, rows.map(toDelivery));
  },
};

export type DeliveryStore = typeof deliveryStore;

async function withHistory(q: Queryable, deliveries: Delivery[]): Promise<Delivery[]> {
  if (deliveries.length === 0) return deliveries;
  const rows = await q.rows<AttemptRow>(
    `SELECT delivery_id, number, started_at, finished_at, outcome, error, provider_message_id, provider
     FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY number`,
    [deliveries.map((d) => d.id)],
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
      provider: r.provider,
    });
    byDelivery.set(r.delivery_id, list);
  }
  return deliveries.map((d) => ({ ...d, history: byDelivery.get(d.id) ?? [] }));
}
