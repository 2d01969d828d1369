import type { FeedEvent } from "../domain/feed-event.js";
import type { Notification } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import type { NewDelivery } from "./delivery-store.js";
import { createdEventsJson, feedAppendCreatedCtes } from "./feed-log.js";
import { outboxEnqueueSql, outboxEntriesJson, type TraceContext } from "./outbox-store.js";

/** What one Send writes: notifications in and out of the inbox, and their deliveries. */
export interface SendWrite {
  /** Notifications that go into the inbox now; at most one per user (a Send's users are distinct). */
  inbox: Notification[];
  /** Notifications that do not (scheduled, in-app off or not asked for). */
  others: Notification[];
  deliveries: NewDelivery[];
  senderKeyId: string | null;
  /** The Send's trace, carried with the deliveries it queues. */
  trace: TraceContext;
}

// One statement for the whole Send, one round trip: the feed log numbers the
// inbox notifications in their users' feeds (feedAppendCreatedCtes, the feed
// log's case of one new notification per user, which locks the heads in user
// order), then the notifications, their deliveries and the
// outbox rows are inserted. Every row set comes as one named jsonb parameter.
// Without an idempotency key no explicit transaction is needed: a statement is
// atomic. Foreign keys between the CTEs' rows are checked at the end of the
// statement, when all of them exist.
const sql = `
WITH ${feedAppendCreatedCtes("$1::jsonb")},
shared AS (
  SELECT * FROM jsonb_to_record($2::jsonb) AS s(category text, action_url text, data jsonb, priority text,
    sender_key_id text, created_at timestamptz, send_at timestamptz)
),
notified AS (
  INSERT INTO notifications
    (id, user_id, seq, title, body, category, action_url, data, priority, sender_key_id, created_at, send_at)
  SELECT n.id, n.user_id, p.seq, n.title, n.body, s.category, s.action_url, s.data, s.priority, s.sender_key_id,
         s.created_at, s.send_at
  FROM jsonb_to_recordset($3::jsonb) AS n(id uuid, user_id text, title text, body text, inbox_ord integer)
  CROSS JOIN shared s
  LEFT JOIN placed p ON p.ord = n.inbox_ord
),
delivered AS (
  INSERT INTO deliveries (id, notification_id, channel, target, status, attempts, due_at, content)
  SELECT d.id, d.notification_id, d.channel, d.target, d.status, (d.status = 'sent')::int, d.due_at, d.content
  FROM jsonb_to_recordset($4::jsonb)
    AS d(id uuid, notification_id uuid, channel text, target text, status text, due_at timestamptz, content jsonb)
),
queued AS (${outboxEnqueueSql("$5::jsonb")})
SELECT ord, seq, unread_count FROM placed ORDER BY ord`;

/** Writes Sends. */
export const sendStore = {
  /**
   * Writes one Send on `q` (a transaction, or the pool as a statement of its
   * own). Returns the feed events of the notifications placed in inboxes, to
   * publish once the write is committed.
   */
  async write(q: Queryable, w: SendWrite): Promise<FeedEvent[]> {
    const first = (w.inbox[0] ?? w.others[0]) as Notification;
    const queued = w.deliveries.filter((d) => d.queue);
    const placed = await q.rows<{ ord: number; seq: number; unread_count: number }>(sql, [
      createdEventsJson(w.inbox.map((n) => ({ userId: n.userId, notificationId: n.id, time: n.createdAt }))),
      JSON.stringify({
        category: first.category,
        action_url: first.actionUrl,
        data: first.data,
        priority: first.priority,
        sender_key_id: w.senderKeyId,
        created_at: first.createdAt.toISOString(),
        send_at: first.sendAt.toISOString(),
      }),
      JSON.stringify([
        ...w.inbox.map((n, i) => ({ id: n.id, user_id: n.userId, title: n.title, body: n.body, inbox_ord: i + 1 })),
        ...w.others.map((n) => ({ id: n.id, user_id: n.userId, title: n.title, body: n.body, inbox_ord: null })),
      ]),
      JSON.stringify(
        w.deliveries.map((d) => ({
          id: d.id,
          notification_id: d.notificationId,
          channel: d.channel,
          target: d.target,
          status: d.status,
          due_at: d.dueAt.toISOString(),
          content: d.content,
        })),
      ),
      outboxEntriesJson(
        queued.map((d) => ({
          deliveryId: d.id,
          channel: d.channel,
          generation: 0,
          availableAt: d.dueAt,
          trace: w.trace,
        })),
      ),
    ]);
    return w.inbox.map((n, i) => {
      const p = placed[i] as { seq: number; unread_count: number };
      return {
        kind: "created",
        userId: n.userId,
        seq: p.seq,
        unreadCount: p.unread_count,
        time: n.createdAt,
        notification: n,
      };
    });
  },
};
