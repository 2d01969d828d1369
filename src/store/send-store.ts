import type { FeedEvent } from "../domain/feed-event.js";
import { laneOf } from "../domain/lane.js";
import type { Notification } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import type { NewDelivery } from "./delivery-store.js";
import { createdEventsJson, feedAppendCreatedCtes } from "./feed-log.js";
import { type OutboxEntry, outboxEnqueueSql, outboxEntriesJson, type TraceContext } from "./outbox-store.js";

/** What one Send writes: notifications in and out of the inbox, and their deliveries. */
export interface SendWrite {
  /**
   * The tenant of the sender and of every recipient: each row is written
   * with it, so a group commit may carry Sends of several tenants.
   */
  tenantId: string;
  /** Notifications that go into the inbox now; at most one per user (a Send's users are distinct). */
  inbox: Notification[];
  /** Notifications that do not (scheduled, in-app off or not asked for). */
  others: Notification[];
  deliveries: NewDelivery[];
  senderKeyId: string | null;
  /** The Send's trace, carried with the deliveries it queues; its trace id is kept with the notifications. */
  trace: TraceContext;
  /** The template the Send named; empty or absent for none. */
  templateKey?: string;
}

// One statement for one or several Sends (group commit), one round trip: the
// feed log numbers the inbox notifications in their users' feeds
// (feedAppendCreatedCtes, the feed log's case of one new notification per
// user, which locks the heads in user order), then the notifications, their
// deliveries and the outbox rows are inserted. Every row set comes as one
// jsonb parameter. What a Send's notifications share (category, data...) comes
// once per Send in $2, joined by the Send's ordinal `s`, so a bulk Send does
// not repeat its data per recipient. A statement is atomic without an
// explicit transaction. Foreign keys between the CTEs' rows are checked at the
// end of the statement, when all of them exist.
const sql = `
WITH ${feedAppendCreatedCtes("$1::jsonb")},
sends AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS s(s integer, tenant_id text, category text, action_url text, data jsonb,
    priority text, sender_key_id text, created_at timestamptz, send_at timestamptz, trace_id text,
    template_key text, group_key text, expire_at timestamptz)
),
notified AS (
  INSERT INTO notifications
    (id, tenant_id, user_id, seq, title, body, category, action_url, data, priority, sender_key_id, created_at,
     send_at, trace_id, template_key, group_key, expire_at, tags, actions)
  SELECT n.id, s.tenant_id, n.user_id, p.seq, n.title, n.body, s.category, s.action_url, s.data, s.priority, s.sender_key_id,
         s.created_at, s.send_at, s.trace_id, s.template_key, s.group_key, s.expire_at, coalesce(n.tags, '{}'), n.actions
  FROM jsonb_to_recordset($3::jsonb)
    AS n(id uuid, user_id text, title text, body text, inbox_ord integer, s integer, tags text[], actions jsonb)
  JOIN sends s ON s.s = n.s
  LEFT JOIN placed p ON p.ord = n.inbox_ord
),
delivered AS (
  INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, attempts, due_at, content)
  SELECT d.id, d.tenant_id, d.notification_id, d.channel, d.target, d.status, (d.status = 'sent')::int, d.due_at, d.content
  FROM jsonb_to_recordset($4::jsonb)
    AS d(id uuid, tenant_id text, notification_id uuid, channel text, target text, status text, due_at timestamptz, content jsonb)
),
queued AS (${outboxEnqueueSql("$5::jsonb")})
SELECT ord, seq, unread_count, unseen_count FROM placed ORDER BY ord`;

/** Writes Sends. */
export const sendStore = {
  /**
   * Writes one Send on `q` (a transaction, or the pool as a statement of its
   * own). Returns the feed events of the notifications placed in inboxes, to
   * publish once the write is committed.
   */
  async write(q: Queryable, w: SendWrite): Promise<FeedEvent[]> {
    return (await sendStore.writeMany(q, [w]))[0] as FeedEvent[];
  },

  /**
   * Writes several Sends in one statement; returns each Send's feed events, in
   * the order of `writes`. No user may be in the inbox of two of them (the
   * feed log numbers one new notification per user per statement): the
   * statement fails rather than number wrongly.
   */
  async writeMany(q: Queryable, writes: readonly SendWrite[]): Promise<FeedEvent[][]> {
    const placed = await q.rows<{ seq: number; unread_count: number; unseen_count: number }>(
      sql,
      statementValues(writes),
    );
    let ord = 0;
    return writes.map((w) =>
      w.inbox.map((n) => {
        const p = placed[ord++] as { seq: number; unread_count: number; unseen_count: number };
        return {
          kind: "created",
          tenantId: w.tenantId,
          userId: n.userId,
          seq: p.seq,
          unreadCount: p.unread_count,
          unseenCount: p.unseen_count,
          time: n.createdAt,
          notification: n,
        };
      }),
    );
  },
};

/** Rows a Send writes (notifications, deliveries, outbox entries): what a batch's size is counted in. */
export function sendWriteRows(w: SendWrite): number {
  let queued = 0;
  for (const d of w.deliveries) if (d.queue) queued++;
  return w.inbox.length + w.others.length + w.deliveries.length + queued;
}

/**
 * The statement's five jsonb parameters, built in one pass over the Sends:
 * feed events (feed-log.ts createdEventsJson), what each Send's notifications
 * share, notifications, deliveries, outbox entries (outbox-store.ts
 * outboxEntriesJson).
 */
function statementValues(writes: readonly SendWrite[]): string[] {
  const events: Array<{ tenantId: string; userId: string; notificationId: string; time: Date }> = [];
  const sends: object[] = [];
  const notifications: object[] = [];
  const deliveries: object[] = [];
  const outbox: OutboxEntry[] = [];
  writes.forEach((w, i) => {
    const s = i + 1;
    // Every row is written with the Send's tenant; a notification of another would be a bug upstream.
    for (const n of [...w.inbox, ...w.others]) {
      if (n.tenantId !== w.tenantId) throw new Error(`notification ${n.id} is not of tenant ${w.tenantId}`);
    }
    const first = (w.inbox[0] ?? w.others[0]) as Notification;
    sends.push({
      s,
      tenant_id: w.tenantId,
      category: first.category,
      action_url: first.actionUrl,
      data: first.data,
      priority: first.priority,
      sender_key_id: w.senderKeyId,
      created_at: first.createdAt,
      send_at: first.sendAt,
      trace_id: sampledTraceId(w.trace),
      template_key: w.templateKey === undefined || w.templateKey === "" ? null : w.templateKey,
      group_key: first.groupKey || null,
      expire_at: first.expireAt ?? null,
    });
    for (const n of w.inbox) {
      events.push({ tenantId: w.tenantId, userId: n.userId, notificationId: n.id, time: n.createdAt });
      notifications.push({ ...notificationRow(n, s), inbox_ord: events.length });
    }
    for (const n of w.others) notifications.push({ ...notificationRow(n, s), inbox_ord: null });
    for (const d of w.deliveries) {
      const { id, notificationId, channel, target, status, dueAt, content } = d;
      deliveries.push({
        id,
        tenant_id: w.tenantId,
        notification_id: notificationId,
        channel,
        target,
        status,
        due_at: dueAt,
        content,
      });
      if (d.queue) {
        outbox.push({
          deliveryId: id,
          tenantId: w.tenantId,
          channel,
          lane: laneOf(first.priority),
          generation: 0,
          availableAt: dueAt,
          trace: w.trace,
        });
      }
    }
  });
  // Dates serialise through their toJSON (ISO 8601), as timestamptz reads them.
  return [
    createdEventsJson(events),
    JSON.stringify(sends),
    JSON.stringify(notifications),
    JSON.stringify(deliveries),
    outboxEntriesJson(outbox),
  ];
}

/**
 * What a notification has of its own (its recipient, and content a template
 * may render per locale); tags and actions only when it has some.
 */
function notificationRow(n: Notification, s: number): object {
  return {
    id: n.id,
    user_id: n.userId,
    title: n.title,
    body: n.body,
    s,
    ...(n.tags.length > 0 && { tags: n.tags }),
    ...(n.actions.length > 0 && { actions: n.actions }),
  };
}

/**
 * The trace id of a sampled W3C `traceparent` (`00-<32 hex>-<16 hex>-<flags>`),
 * or null: an unsampled trace was never exported, so there is nothing to link to.
 */
export function sampledTraceId(trace: TraceContext): string | null {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(trace.traceparent ?? "");
  if (match === null || /^0+$/.test(match[1] as string)) return null;
  return (Number.parseInt(match[2] as string, 16) & 1) === 1 ? (match[1] as string) : null;
}
