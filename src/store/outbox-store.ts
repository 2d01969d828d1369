import type { Lane } from "../domain/lane.js";
import type { Channel } from "../domain/notification.js";
import type { Queryable } from "./database.js";

/** W3C trace context headers (traceparent, tracestate) carried with a queued delivery. */
export type TraceContext = Record<string, string>;

/** A delivery to queue: published to JetStream once `availableAt` has come. */
export interface OutboxEntry {
  deliveryId: string;
  /** Whose delivery it is: the relay takes tenants in turn. */
  tenantId: string;
  channel: Channel;
  /** The lane it travels in (domain/lane.ts laneOf of its notification's priority). */
  lane: Lane;
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
  tenantId: string;
  channel: Channel;
  lane: Lane;
  generation: number;
  trace: TraceContext;
}

/** One tenant's due rows in one channel and lane: what the relay takes turns between. */
export interface OutboxQueue {
  channel: Channel;
  lane: Lane;
  tenantId: string;
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
   * The queues (channel, lane, tenant) holding rows, in index order after
   * `after` (null: from the start), visiting at most `limit` of them: each
   * step is one probe of `outbox_fair` (a skip scan), so a tenant's million
   * rows cost what one row costs. Returns the visited queues that have due
   * rows, and the last queue visited when the walk stopped at `limit` (where
   * the next walk continues), else null.
   */
  async dueQueues(
    q: Queryable,
    after: OutboxQueue | null,
    limit: number,
  ): Promise<{ due: OutboxQueue[]; stoppedAt: OutboxQueue | null }> {
    const rows = await q.rows<{ channel: Channel; lane: Lane; tenant_id: string; n: number; due: boolean }>(
      `WITH RECURSIVE walk AS (
         (SELECT channel, lane, tenant_id, 1 AS n FROM outbox
          WHERE (channel, lane, tenant_id) > ($1, $2, $3)
          ORDER BY channel, lane, tenant_id LIMIT 1)
         UNION ALL
         SELECT nxt.channel, nxt.lane, nxt.tenant_id, w.n + 1
         FROM walk w, LATERAL (
           SELECT o.channel, o.lane, o.tenant_id FROM outbox o
           WHERE (o.channel, o.lane, o.tenant_id) > (w.channel, w.lane, w.tenant_id)
           ORDER BY o.channel, o.lane, o.tenant_id LIMIT 1) nxt
         WHERE w.n < $4
       )
       SELECT w.channel, w.lane, w.tenant_id, w.n, EXISTS (
           SELECT 1 FROM outbox o
           WHERE o.channel = w.channel AND o.lane = w.lane AND o.tenant_id = w.tenant_id AND o.available_at <= now()
         ) AS due
       FROM walk w ORDER BY w.n`,
      [after?.channel ?? "", after?.lane ?? "", after?.tenantId ?? "", limit],
    );
    const queue = (r: (typeof rows)[number]): OutboxQueue => ({
      channel: r.channel,
      lane: r.lane,
      tenantId: r.tenant_id,
    });
    const last = rows.at(-1);
    return {
      due: rows.filter((r) => r.due).map(queue),
      stoppedAt: last !== undefined && last.n >= limit ? queue(last) : null,
    };
  },

  /**
   * Claims up to `take` due rows of each queue, oldest first, locked until the
   * transaction of `q` ends; rows another process holds are skipped, so
   * several relays publish each once.
   */
  async claim(q: Queryable, takes: ReadonlyArray<OutboxQueue & { take: number }>): Promise<OutboxItem[]> {
    if (takes.length === 0) return [];
    const rows = await q.rows<{
      id: number;
      delivery_id: string;
      notification_id: string;
      tenant_id: string;
      channel: Channel;
      lane: Lane;
      generation: number;
      trace_context: TraceContext | null;
    }>(
      `SELECT c.id, c.delivery_id, d.notification_id, c.tenant_id, c.channel, c.lane, c.generation, c.trace_context
       FROM jsonb_to_recordset($1::jsonb) AS t(channel text, lane text, tenant_id text, take integer),
         LATERAL (
           SELECT o.id, o.delivery_id, o.tenant_id, o.channel, o.lane, o.generation, o.trace_context
           FROM outbox o
           WHERE o.channel = t.channel AND o.lane = t.lane AND o.tenant_id = t.tenant_id AND o.available_at <= now()
           ORDER BY o.available_at, o.id
           LIMIT t.take
           FOR UPDATE SKIP LOCKED) c
         JOIN deliveries d ON d.id = c.delivery_id`,
      [JSON.stringify(takes.map((t) => ({ channel: t.channel, lane: t.lane, tenant_id: t.tenantId, take: t.take })))],
    );
    return rows.map((r) => ({
      outboxId: r.id,
      deliveryId: r.delivery_id,
      notificationId: r.notification_id,
      tenantId: r.tenant_id,
      channel: r.channel,
      lane: r.lane,
      generation: r.generation,
      trace: r.trace_context ?? {},
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

  /**
   * Withdraws the rows of a notification's deliveries (Cancel); nothing for
   * another tenant's notification. Webhooks of its events stay (see deliveryStore.cancel).
   */
  async withdraw(q: Queryable, tenantId: string, notificationId: string): Promise<void> {
    await q.exec(
      `DELETE FROM outbox
       WHERE delivery_id IN (
         SELECT id FROM deliveries WHERE tenant_id = $1 AND notification_id = $2 AND event_seq = 0)`,
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
  return `INSERT INTO outbox (delivery_id, tenant_id, channel, lane, generation, available_at, trace_context)
    SELECT e.delivery_id, e.tenant_id, e.channel, e.lane, e.generation, e.available_at, e.trace_context
    FROM jsonb_to_recordset(${param}) AS e(delivery_id uuid, tenant_id text, channel text, lane text,
      generation integer, available_at timestamptz, trace_context jsonb)`;
}

/** Entries as outboxEnqueueSql takes them. */
export function outboxEntriesJson(entries: readonly OutboxEntry[]): string {
  return JSON.stringify(
    entries.map((e) => ({
      delivery_id: e.deliveryId,
      tenant_id: e.tenantId,
      channel: e.channel,
      lane: e.lane,
      generation: e.generation,
      available_at: e.availableAt.toISOString(),
      trace_context: Object.keys(e.trace).length === 0 ? null : e.trace,
    })),
  );
}
