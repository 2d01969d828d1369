import type { Lane } from "../domain/lane.js";
import type { Channel, Delivery, DeliveryAttempt, DeliveryStatus, Priority } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import { outboxEnqueueSql, type TraceContext } from "./outbox-store.js";
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
  /** Why it was settled without an attempt (`throttled`); empty otherwise. */
  reason?: string;
}

/** A worker's hold on a delivery while it is with the provider. */
export interface Lease {
  /** The attempt's number among all of the delivery's attempts. */
  attempt: number;
  /** Attempts since the delivery was last put back in line (the retry budget counts these). */
  generationAttempts: number;
  startedAt: Date;
}

/** A delivery's attempts as the history column carries them (JSON, times in epoch milliseconds). */
interface AttemptJson {
  number: number;
  started_ms: number;
  finished_ms: number;
  outcome: DeliveryAttempt["outcome"];
  error: string;
  provider_message_id: string;
  provider: string;
}

/**
 * A delivery's attempts, read by the same statement as the delivery: one
 * snapshot, so a reader never sees an attempt's outcome without the status and
 * error it wrote along with it (or the other way round).
 */
const historyColumn = `COALESCE((
  SELECT json_agg(json_build_object(
    'number', a.number, 'started_ms', extract(epoch FROM a.started_at) * 1000,
    'finished_ms', extract(epoch FROM a.finished_at) * 1000, 'outcome', a.outcome, 'error', a.error,
    'provider_message_id', a.provider_message_id, 'provider', a.provider) ORDER BY a.number)
  FROM delivery_attempts a WHERE a.delivery_id = d.id), '[]'::json) AS history`;

type DeliveryWithHistoryRow = DeliveryRow & { history: AttemptJson[] };

function toDeliveryWithHistory(row: DeliveryWithHistoryRow): Delivery {
  return {
    ...toDelivery(row),
    history: row.history.map((a) => ({
      number: a.number,
      startedAt: new Date(Number(a.started_ms)),
      finishedAt: new Date(Number(a.finished_ms)),
      outcome: a.outcome,
      error: a.error,
      providerMessageId: a.provider_message_id,
      provider: a.provider,
    })),
  };
}

/**
 * Deliveries as operators and callers see and steer them: reads with every
 * attempt, Cancel and RetryDelivery. (Send writes them, store/send-store.ts;
 * workers attempt them, store/attempt-store.ts; the outbox queues them,
 * store/outbox-store.ts.)
 */
export const deliveryStore = {
  /** Cancels a notification's deliveries not gone out; how many (0: another tenant's). Webhooks of its events
   * (event_seq > 0) go on: canceling does not undo what happened. */
  async cancel(q: Queryable, tenantId: string, notificationId: string): Promise<number> {
    return q.exec(
      `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND notification_id = $2 AND status IN ('scheduled', 'pending', 'failed')
         AND event_seq = 0`,
      [tenantId, notificationId],
    );
  },

  /**
   * Adds deliveries to a notification that already exists (a workflow's
   * deliver step), queueing those marked `queue` in the outbox, due at once,
   * in one statement, in `lane` (the notification's). A channel and target the notification already has a
   * delivery on is left alone. Returns the channels of the deliveries written.
   */
  async add(
    q: Queryable,
    tenantId: string,
    deliveries: readonly NewDelivery[],
    lane: Lane,
    trace: TraceContext,
  ): Promise<Channel[]> {
    if (deliveries.length === 0) return [];
    const rows = await q.rows<{ channel: Channel }>(
      `WITH added AS (
         INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, due_at, content, last_error)
         SELECT d.id, $3, d.notification_id, d.channel, d.target, d.status, now(), d.content, d.last_error
         FROM jsonb_to_recordset($1::jsonb)
           AS d(id uuid, notification_id uuid, channel text, target text, status text, content jsonb, last_error text)
         -- Only onto the tenant's own notifications.
         WHERE EXISTS (SELECT 1 FROM notifications n WHERE n.tenant_id = $3 AND n.id = d.notification_id)
         ON CONFLICT (notification_id, channel, target, event_seq) DO NOTHING
         RETURNING id, channel, status
       ),
       queued AS (${outboxEnqueueSql(`(SELECT coalesce(jsonb_agg(jsonb_build_object('delivery_id', a.id,
         'tenant_id', $3::text, 'channel', a.channel, 'lane', $4::text, 'generation', 0, 'available_at', now(),
         'trace_context', $2::jsonb)), '[]')
         FROM added a WHERE a.status IN ('scheduled', 'pending'))`)})
       SELECT channel FROM added`,
      [
        JSON.stringify(
          deliveries.map((d) => ({
            id: d.id,
            notification_id: d.notificationId,
            channel: d.channel,
            target: d.target,
            status: d.status,
            content: d.content,
            last_error: d.reason ?? "",
          })),
        ),
        Object.keys(trace).length === 0 ? null : JSON.stringify(trace),
        tenantId,
        lane,
      ],
    );
    return rows.map((r) => r.channel);
  },

  /**
   * Puts a dead delivery back in line with a fresh retry budget and a new
   * generation (its JetStream message id changes with it), with its
   * notification's priority (for its lane); null unless it was dead. The
   * caller queues it in the outbox.
   */
  async revive(
    q: Queryable,
    tenantId: string,
    deliveryId: string,
  ): Promise<{ delivery: Delivery; generation: number; priority: Priority } | null> {
    const [row] = await q.rows<DeliveryRow & { generation: number; priority: Priority }>(
      `UPDATE deliveries d SET status = 'pending', generation = generation + 1, generation_attempts = 0,
         next_attempt_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status = 'dead'
       RETURNING ${deliveryColumns}, d.generation,
         (SELECT n.priority FROM notifications n WHERE n.tenant_id = d.tenant_id AND n.id = d.notification_id)`,
      [tenantId, deliveryId],
    );
    return row === undefined ? null : { delivery: toDelivery(row), generation: row.generation, priority: row.priority };
  },

  /**
   * Puts an endpoint's deliveries back in line for ReplayWebhookEvents, like
   * revive (same ids, so the same webhook-id; a new generation), oldest first:
   * those created at or after `sinceId` (ids are time-ordered) and after
   * `afterId`, that are dead or were canceled because the endpoint was
   * disabled (`canceledReason`), or sent too with `includeSent`. At most
   * `limit`; returns each with its notification's priority (for its lane).
   * The caller queues them in the outbox.
   */
  async reviveForEndpoint(
    q: Queryable,
    tenantId: string,
    r: {
      endpointId: string;
      sinceId: string;
      afterId: string | null;
      includeSent: boolean;
      canceledReason: string;
      limit: number;
    },
  ): Promise<Array<{ id: string; channel: Channel; generation: number; priority: Priority }>> {
    return q.rows(
      `WITH picked AS (
         SELECT d.id FROM deliveries d
         WHERE d.tenant_id = $1 AND d.target = $2 AND d.target <> '' AND d.id >= $3::uuid
           AND ($4::uuid IS NULL OR d.id > $4::uuid)
           AND (d.status = 'dead' OR (d.status = 'canceled' AND d.last_error = $6) OR ($5 AND d.status = 'sent'))
         ORDER BY d.id LIMIT $7
         FOR UPDATE
       )
       UPDATE deliveries d SET status = 'pending', generation = generation + 1, generation_attempts = 0,
         next_attempt_at = NULL, last_error = '', updated_at = now()
       FROM picked p WHERE d.id = p.id
       RETURNING d.id, d.channel, d.generation,
         (SELECT n.priority FROM notifications n WHERE n.tenant_id = d.tenant_id AND n.id = d.notification_id)`,
      [tenantId, r.endpointId, r.sinceId, r.afterId, r.includeSent, r.canceledReason, r.limit],
    );
  },

  /**
   * Cancels an endpoint's deliveries that have not gone out (its endpoint was
   * disabled), saying why; returns how many. Copies already with JetStream
   * find them settled.
   */
  async cancelForEndpoint(q: Queryable, tenantId: string, endpointId: string, reason: string): Promise<number> {
    return q.exec(
      `UPDATE deliveries SET status = 'canceled', last_error = $3, next_attempt_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND target = $2 AND target <> '' AND status IN ('scheduled', 'pending', 'failed')`,
      [tenantId, endpointId, reason],
    );
  },

  /** A delivery of the tenant; another tenant's id reads as absent. */
  async get(q: Queryable, tenantId: string, deliveryId: string): Promise<Delivery | null> {
    const [row] = await q.rows<DeliveryWithHistoryRow>(
      `SELECT ${deliveryColumns}, ${historyColumn} FROM deliveries d WHERE d.tenant_id = $1 AND d.id = $2`,
      [tenantId, deliveryId],
    );
    return row ? toDeliveryWithHistory(row) : null;
  },

  /** A notification's deliveries with their attempts. */
  async forNotification(q: Queryable, tenantId: string, notificationId: string): Promise<Delivery[]> {
    const rows = await q.rows<DeliveryWithHistoryRow>(
      `SELECT ${deliveryColumns}, ${historyColumn} FROM deliveries d
       WHERE d.tenant_id = $1 AND d.notification_id = $2 ORDER BY d.channel, d.target`,
      [tenantId, notificationId],
    );
    return rows.map(toDeliveryWithHistory);
  },

  /** The tenant's deliveries with a status, newest first, below `beforeId` (ids are time-ordered). */
  async listByStatus(
    q: Queryable,
    tenantId: string,
    query: { status: DeliveryStatus; channel: Channel | null; beforeId: string | null; limit: number },
  ): Promise<Delivery[]> {
    const rows = await q.rows<DeliveryWithHistoryRow>(
      `SELECT ${deliveryColumns}, ${historyColumn} FROM deliveries d
       WHERE d.tenant_id = $5 AND d.status = $1 AND ($2::text IS NULL OR d.channel = $2)
         AND ($3::uuid IS NULL OR d.id < $3)
       ORDER BY d.id DESC LIMIT $4`,
      [query.status, query.channel, query.beforeId, query.limit, tenantId],
    );
    return rows.map(toDeliveryWithHistory);
  },
};

export type DeliveryStore = typeof deliveryStore;
