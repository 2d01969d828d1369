import type { Channel, Priority } from "../domain/notification.js";
import type { Queryable } from "./database.js";

/** W3C trace context headers (traceparent, tracestate) carried with a queued delivery. */
export type TraceContext = Record<string, string>;

/** A delivery to queue: published to JetStream once `availableAt` has come. */
export interface OutboxEntry {
  deliveryId: string;
  channel: Channel;
  /** Bumped each time an operator puts the delivery back in line (its JetStream message id changes with it). */
  generation: number;
  availableAt: Date;
  /** The trace the delivery was queued in, so the relay's publish continues it; empty for none. */
  trace: TraceContext;
}

/** An outbox row the relay is publishing. */
export interface OutboxItem {
  outboxId: number;
  deliveryId: string;
  notificationId: string;
  channel: Channel;
  generation: number;
  trace: TraceContext;
  /** The notification's priority: dispatch picks the delivery's lane by it. */
  priority: Priority;
}

/**
 * The outbox: deliveries committed with the write that made them and waiting
 * to be published to JetStream. This module is the only writer of its rows:
 * Send enqueues inside its own statement ({@link outboxEnqueueSql}), RetryDelivery
 * through {@link outboxStore.enqueue}, the relay claims and removes them, Cancel
 * withdraws them.
 */
export const outboxStore = {
  async enqueue(q: Queryable, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await q.exec(outboxEnqueueSql("$1::jsonb"), [outboxEntriesJson(entries)]);
  },

  /**
   * Claims up to `limit` due rows, locked until the transaction of `q` ends;
   * rows another process holds are skipped, so several relays publish each once.
   */
  async claim(q: Queryable, limit: number): Promise<OutboxItem[]> {
    const rows = await q.rows<{
      id: number;
      delivery_id: string;
      notification_id: string;
      channel: Channel;
      generation: number;
      trace_context: TraceContext | null;
      priority: Priority;
    }>(
      // The priority (for the delivery's lane) is read through the
      // notification rather than copied onto each outbox row: the claim joins
      // deliveries already, one more primary-key probe per claimed row (at most
      // a round's batch) costs less than widening the hottest insert of every
      // Send and keeping three writers (Send, workflow steps, RetryDelivery)
      // and old rows in step; and a row can never carry a stale priority.
      `SELECT o.id, o.delivery_id, d.notification_id, o.channel, o.generation, o.trace_context, n.priority
       FROM outbox o JOIN deliveries d ON d.id = o.delivery_id
         JOIN notifications n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id
       WHERE o.available_at <= now()
       ORDER BY o.available_at, o.id
       LIMIT $1
       FOR UPDATE OF o SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({
      outboxId: r.id,
      deliveryId: r.delivery_id,
      notificationId: r.notification_id,
      channel: r.channel,
      generation: r.generation,
      trace: r.trace_context ?? {},
      priority: r.priority,
    }));
  },

  /** Removes published rows; scheduled deliveries among them are now pending. */
  async published(q: Queryable, items: readonly OutboxItem[]): Promise<void> {
    if (items.length === 0) return;
    await q.exec(
      `WITH gone AS (DELETE FROM outbox WHERE id = ANY($1::bigint[]) RETURNING delivery_id)
       UPDATE deliveries SET status = 'pending', updated_at = now()
       WHERE id IN (SELECT delivery_id FROM gone) AND status = 'scheduled'`,
      [items.map((i) => i.outboxId)],
    );
  },

  /** Withdraws the rows of a notification's deliveries (Cancel); nothing for another tenant's notification. */
  async withdraw(q: Queryable, tenantId: string, notificationId: string): Promise<void> {
    await q.exec(
      `DELETE FROM outbox
       WHERE delivery_id IN (SELECT id FROM deliveries WHERE tenant_id = $1 AND notification_id = $2)`,
      [tenantId, notificationId],
    );
  },

  /** Due rows not yet published and the age of the oldest (metrics, tests). */
  async backlog(q: Queryable): Promise<{ count: number; oldestAgeMs: number }> {
    const [row] = await q.rows<{ count: number; age_ms: number | null }>(
      `SELECT count(*)::int AS count, (extract(epoch FROM now() - min(available_at)) * 1000)::float8 AS age_ms
       FROM outbox WHERE available_at <= now()`,
    );
    return { count: row?.count ?? 0, oldestAgeMs: Math.max(0, row?.age_ms ?? 0) };
  },
};

export type OutboxStore = typeof outboxStore;

/** SQL inserting the entries in the jsonb `param` (see {@link outboxEntriesJson}). */
export function outboxEnqueueSql(param: string): string {
  return `INSERT INTO outbox (delivery_id, channel, generation, available_at, trace_context)
    SELECT e.delivery_id, e.channel, e.generation, e.available_at, e.trace_context
    FROM jsonb_to_recordset(${param}) AS e(delivery_id uuid, channel text, generation integer,
      available_at timestamptz, trace_context jsonb)`;
}

/** Entries as outboxEnqueueSql takes them. */
export function outboxEntriesJson(entries: readonly OutboxEntry[]): string {
  return JSON.stringify(
    entries.map((e) => ({
      delivery_id: e.deliveryId,
      channel: e.channel,
      generation: e.generation,
      available_at: e.availableAt.toISOString(),
      trace_context: Object.keys(e.trace).length === 0 ? null : e.trace,
    })),
  );
}
