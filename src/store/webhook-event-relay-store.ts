import type { LoggedEvent } from "../domain/event.js";
import type { Priority } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import { type EventRow, toLoggedEvent } from "./event-log.js";
import { outboxEnqueueSql } from "./outbox-store.js";

/** An event of the page and one enabled webhook endpoint of its tenant that subscribes to its type. */
export interface EventMatch {
  event: LoggedEvent;
  endpointId: string;
  endpointCategories: string[];
  /** The notification the delivery hangs on (the event's, the first of several, or for "all" the user's newest). */
  notificationId: string;
  /** The notification's category; "" for a change of all the user's notifications (every endpoint takes it). */
  category: string;
  priority: Priority;
}

/** What the relay's next round handles: matches for the events after the cursor, up to `through`. */
export interface RelayPage {
  matches: EventMatch[];
  /** The last seq this page covers (the cursor's next value); the cursor itself when nothing was numbered since. */
  through: number;
  /** The log's head as the page saw it. */
  head: number;
}

/** A webhook delivery of one event to one endpoint, as the relay writes it. */
export interface EventDelivery {
  id: string;
  tenantId: string;
  notificationId: string;
  endpointId: string;
  eventSeq: number;
  lane: string;
  /** The body posted (the signed Standard Webhooks event). */
  payload: object;
}

type MatchRow = EventRow & {
  through: string;
  head_seq: string;
  endpoint_id: string | null;
  endpoint_categories: string[] | null;
  delivery_notification_id: string | null;
  n_category: string | null;
  n_priority: Priority | null;
  n_user_id: string | null;
};

/**
 * The relay's page: the head, the range it covers, and each event of the
 * range with each endpoint it goes to. Events are read per tenant that has an
 * endpoint subscribed to something besides notification.created, through
 * events_tenant_seq (the log has no index on seq alone): a deployment without
 * such endpoints reads no event at all.
 */
export const relayPageSql = `WITH h AS (SELECT seq AS head_seq, least(seq, $1::bigint + $2::bigint) AS through FROM event_log_head),
  tenants AS (
    SELECT DISTINCT tenant_id FROM webhook_endpoints
    WHERE enabled AND channel = 'webhook' AND event_types <> '{notification.created}'
  ),
  ev AS (
    SELECT e.*, (e.notification_id IS NULL AND e.notification_ids[1] IS NULL) AS of_all,
      -- A change of "all" names no notification: its delivery hangs on the
      -- user's newest one (notifications_by_user; coalesce looks only when needed).
      coalesce(e.notification_id, e.notification_ids[1], (
        SELECT a.id FROM notifications a WHERE a.tenant_id = e.tenant_id AND a.user_id = e.user_id
        ORDER BY a.id DESC LIMIT 1)) AS delivery_notification_id
    FROM tenants t CROSS JOIN LATERAL (
      SELECT * FROM events x
      WHERE x.tenant_id = t.tenant_id AND x.seq > $1 AND x.seq <= (SELECT through FROM h)
        AND x.type <> 'notification.created'
        AND NOT (x.type LIKE 'delivery.%' AND x.channel = 'webhook')
    ) e
  ),
  matched AS (
    SELECT ev.*, w.id AS endpoint_id, w.categories AS endpoint_categories,
           CASE WHEN ev.of_all THEN '' ELSE n.category END AS n_category,
           n.priority AS n_priority, n.user_id AS n_user_id
    FROM ev
    JOIN webhook_endpoints w ON w.tenant_id = ev.tenant_id AND w.enabled AND w.channel = 'webhook'
      AND ev.type = ANY (w.event_types)
    JOIN notifications n ON n.tenant_id = ev.tenant_id AND n.id = ev.delivery_notification_id
  )
  SELECT h.through, h.head_seq, m.* FROM h LEFT JOIN matched m ON true ORDER BY m.seq, m.endpoint_id`;

/**
 * The webhook event relay's side of Postgres: its cursor (one row, locked
 * by the round that holds it), the events after it with the endpoints each
 * goes to, and the write of their deliveries with the cursor's advance.
 */
export const webhookEventRelayStore = {
  /** Takes the cursor for the transaction; null when another process's round holds it. */
  async claim(tx: Queryable): Promise<number | null> {
    const [row] = await tx.rows<{ seq: string }>("SELECT seq FROM webhook_event_cursor FOR UPDATE SKIP LOCKED");
    return row === undefined ? null : Number(row.seq);
  },

  /**
   * Events after `cursor`, at most `batch` seqs of them (seqs have no gaps, so
   * a seq range bounds the rows read), each with every enabled `webhook`
   * endpoint of its tenant whose event_types hold its type. Left out, so never
   * posted from here: notification.created (the webhook channel posts it at
   * Send), delivery.* events of webhook deliveries (an endpoint subscribed to
   * delivery.failed would otherwise feed itself), and events whose
   * notification is gone. A change of "all" the user's notifications names
   * none: it hangs on the user's newest notification and goes to every
   * subscribed endpoint whatever its categories (category "": it spans them).
   */
  async page(tx: Queryable, cursor: number, batch: number): Promise<RelayPage> {
    const rows = await tx.rows<MatchRow>(relayPageSql, [cursor, batch]);
    const first = rows[0];
    const matches = rows
      .filter((r) => r.endpoint_id !== null)
      .map((r) => ({
        event: toLoggedEvent({ ...r, user_id: r.user_id ?? r.n_user_id }, new Map()),
        endpointId: r.endpoint_id as string,
        endpointCategories: r.endpoint_categories ?? [],
        notificationId: r.delivery_notification_id as string,
        category: r.n_category ?? "",
        priority: r.n_priority ?? "normal",
      }));
    return { matches, through: Number(first?.through ?? cursor), head: Number(first?.head_seq ?? cursor) };
  },

  /**
   * Writes the deliveries (pending, queued in the outbox at once) and moves
   * the cursor to `through`; the caller runs both in the transaction that
   * claimed the cursor, so they commit together or not at all. A delivery
   * already written for its (event, endpoint) is left alone.
   */
  async write(tx: Queryable, deliveries: readonly EventDelivery[], through: number): Promise<number> {
    let written = 0;
    if (deliveries.length > 0) {
      const rows = await tx.rows<{ id: string }>(
        `WITH d AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, tenant_id text, notification_id uuid,
             endpoint_id text, event_seq bigint, lane text, payload jsonb)
         ),
         added AS (
           INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, due_at, content, event_seq)
           SELECT d.id, d.tenant_id, d.notification_id, 'webhook', d.endpoint_id, 'pending', now(), d.payload,
                  d.event_seq
           FROM d
           ON CONFLICT (notification_id, channel, target, event_seq) DO NOTHING
           RETURNING id
         ),
         queued AS (${outboxEnqueueSql(`(SELECT coalesce(jsonb_agg(jsonb_build_object('delivery_id', d.id,
           'tenant_id', d.tenant_id, 'channel', 'webhook', 'lane', d.lane, 'generation', 0, 'available_at', now(),
           'trace_context', null)), '[]') FROM d JOIN added a ON a.id = d.id)`)})
         SELECT id FROM added`,
        [
          JSON.stringify(
            deliveries.map((d) => ({
              id: d.id,
              tenant_id: d.tenantId,
              notification_id: d.notificationId,
              endpoint_id: d.endpointId,
              event_seq: d.eventSeq,
              lane: d.lane,
              payload: d.payload,
            })),
          ),
        ],
      );
      written = rows.length;
    }
    await tx.exec("UPDATE webhook_event_cursor SET seq = $1 WHERE seq < $1", [through]);
    return written;
  },

  /** The relay's cursor and the log's head, for its lag gauge. */
  async lag(q: Queryable): Promise<number> {
    const [row] = await q.rows<{ lag: string }>(
      "SELECT greatest(0, (SELECT seq FROM event_log_head) - (SELECT seq FROM webhook_event_cursor)) AS lag",
    );
    return Number(row?.lag ?? 0);
  },
};
