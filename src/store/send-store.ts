import type { FeedEvent } from "../domain/feed-event.js";
import type { Notification } from "../domain/notification.js";
import { traceHeaders } from "../telemetry/propagation.js";
import { type Database, queryRows, type Tx } from "./database.js";
import type { NewDelivery } from "./delivery-store.js";

/** What one Send writes: notifications in and out of the inbox, and their deliveries. */
export interface SendWrite {
  /** Notifications that go into the inbox now; at most one per user (a Send's users are distinct). */
  inbox: Notification[];
  /** Notifications that do not (scheduled, in-app off or not asked for). */
  others: Notification[];
  deliveries: NewDelivery[];
  senderKeyId: string | null;
}

// One statement for the whole Send: it numbers each inbox notification in its
// user's feed (locking the feed heads in user-id order), inserts the
// notifications, their feed events, their deliveries and the outbox rows. One
// round trip, and without an idempotency key no explicit transaction either: a
// single statement is atomic. Foreign keys between the CTEs' rows are checked at
// the end of the statement, when all of them exist.
const sql = `
WITH heads AS (
  INSERT INTO user_feeds (user_id, seq, unread_count)
  SELECT u, 1, 1 FROM unnest($1::text[]) AS u ORDER BY u
  ON CONFLICT (user_id) DO UPDATE
    SET seq = user_feeds.seq + 1, unread_count = user_feeds.unread_count + 1
  RETURNING user_id, seq, unread_count
),
inbox AS (
  SELECT * FROM unnest($2::uuid[], $1::text[], $3::text[], $4::text[]) AS t(id, user_id, title, body)
),
notified AS (
  INSERT INTO notifications
    (id, user_id, seq, title, body, category, action_url, data, priority, sender_key_id, created_at, send_at)
  SELECT i.id, i.user_id, h.seq, i.title, i.body, $5::text, $6::text, $7::jsonb, $8::text, $9::text, $10::timestamptz, $11::timestamptz
  FROM inbox i JOIN heads h USING (user_id)
  UNION ALL
  SELECT o.id, o.user_id, NULL::bigint, o.title, o.body, $5::text, $6::text, $7::jsonb, $8::text, $9::text, $10::timestamptz, $11::timestamptz
  FROM unnest($12::uuid[], $13::text[], $14::text[], $15::text[]) AS o(id, user_id, title, body)
),
events AS (
  INSERT INTO feed_events (user_id, seq, kind, notification_ids, unread_count, created_at)
  SELECT h.user_id, h.seq, 'created', ARRAY[i.id], h.unread_count, $10::timestamptz
  FROM inbox i JOIN heads h USING (user_id)
),
delivered AS (
  INSERT INTO deliveries (id, notification_id, channel, target, status, attempts, due_at, content)
  SELECT id, n, c, t, s, (s = 'sent')::int, d, content
  FROM unnest($16::uuid[], $17::uuid[], $18::text[], $19::text[], $20::text[], $21::timestamptz[], $22::jsonb[])
    AS u(id, n, c, t, s, d, content)
),
queued AS (
  INSERT INTO outbox (delivery_id, channel, generation, available_at, trace_context)
  SELECT d, c, 0, a, $26::jsonb FROM unnest($23::uuid[], $24::text[], $25::timestamptz[]) AS q(d, c, a)
)
SELECT user_id, seq, unread_count FROM heads`;

/** Writes Sends. */
export class SendStore {
  constructor(private readonly db: Database) {}

  /**
   * Writes one Send, in `tx` or (without one) as a statement of its own.
   * Returns the feed events of the notifications placed in inboxes, to publish
   * once the write is committed.
   */
  async write(tx: Tx, w: SendWrite): Promise<FeedEvent[]> {
    const first = (w.inbox[0] ?? w.others[0]) as Notification;
    const queued = w.deliveries.filter((d) => d.queue);
    const trace = traceHeaders();
    const heads = await queryRows<{ user_id: string; seq: number; unread_count: number }>(
      this.db,
      sql,
      [
        w.inbox.map((n) => n.userId),
        w.inbox.map((n) => n.id),
        w.inbox.map((n) => n.title),
        w.inbox.map((n) => n.body),
        first.category,
        first.actionUrl,
        first.data === null ? null : JSON.stringify(first.data),
        first.priority,
        w.senderKeyId,
        first.createdAt,
        first.sendAt,
        w.others.map((n) => n.id),
        w.others.map((n) => n.userId),
        w.others.map((n) => n.title),
        w.others.map((n) => n.body),
        w.deliveries.map((d) => d.id),
        w.deliveries.map((d) => d.notificationId),
        w.deliveries.map((d) => d.channel),
        w.deliveries.map((d) => d.target),
        w.deliveries.map((d) => d.status),
        w.deliveries.map((d) => d.dueAt),
        w.deliveries.map((d) => (d.content === null ? null : JSON.stringify(d.content))),
        queued.map((d) => d.id),
        queued.map((d) => d.channel),
        queued.map((d) => d.dueAt),
        Object.keys(trace).length === 0 ? null : JSON.stringify(trace),
      ],
      tx,
    );
    const byUser = new Map(heads.map((h) => [h.user_id, h]));
    return w.inbox.map((n) => {
      const head = byUser.get(n.userId) as { seq: number; unread_count: number };
      return {
        kind: "created",
        userId: n.userId,
        seq: head.seq,
        unreadCount: head.unread_count,
        time: n.createdAt,
        notification: n,
      };
    });
  }
}
