import type { Channel, Delivery, DeliveryStatus, Notification } from "../domain/notification.js";
import { type Database, execute, queryRows, type Tx } from "./database.js";
import { type DeliveryRow, type NotificationRow, notificationColumns, toDelivery, toNotification } from "./rows.js";

/** A notification about to be written; `seq` is set when it goes straight into the inbox. */
export interface NewNotification {
  notification: Notification;
  seq: number | null;
  senderKeyId: string | null;
}

/** A delivery about to be written. */
export interface NewDelivery {
  id: string;
  notificationId: string;
  channel: Channel;
  status: DeliveryStatus;
  dueAt: Date;
}

/** Which page of a user's notifications to read. */
export interface ListQuery {
  userId: string;
  /** Return notifications with seq below this; null for the first page. */
  beforeSeq: number | null;
  limit: number;
  unreadOnly: boolean;
  category: string;
  archived: boolean;
}

/** Notifications and their deliveries. */
export class NotificationStore {
  constructor(private readonly db: Database) {}

  /** Inserts notifications that share their content (one Send), in one statement. */
  async insert(tx: Tx, rows: NewNotification[]): Promise<void> {
    if (rows.length === 0) return;
    const first = rows[0]?.notification as Notification;
    await execute(
      this.db,
      `INSERT INTO notifications
         (id, user_id, seq, category, title, body, action_url, data, priority, sender_key_id, created_at, send_at)
       SELECT t.id, t.user_id, t.seq, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12
       FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS t(id, user_id, seq)`,
      [
        rows.map((r) => r.notification.id),
        rows.map((r) => r.notification.userId),
        rows.map((r) => r.seq),
        first.category,
        first.title,
        first.body,
        first.actionUrl,
        first.data === null ? null : JSON.stringify(first.data),
        first.priority,
        rows[0]?.senderKeyId ?? null,
        first.createdAt,
        first.sendAt,
      ],
      tx,
    );
  }

  /** Places notifications that were waiting (scheduled) into their users' inboxes. */
  async setSeqs(tx: Tx, seqs: Map<string, number>): Promise<void> {
    if (seqs.size === 0) return;
    await execute(
      this.db,
      `UPDATE notifications n SET seq = t.seq
       FROM unnest($1::uuid[], $2::bigint[]) AS t(id, seq) WHERE n.id = t.id`,
      [[...seqs.keys()], [...seqs.values()]],
      tx,
    );
  }

  /** Inserts deliveries; one already `sent` (in-app, placed in the same transaction) counts one attempt. */
  async insertDeliveries(tx: Tx, rows: NewDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    await execute(
      this.db,
      `INSERT INTO deliveries (id, notification_id, channel, status, attempts, due_at)
       SELECT id, n, c, s, (s = 'sent')::int, d
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[]) AS t(id, n, c, s, d)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.notificationId),
        rows.map((r) => r.channel),
        rows.map((r) => r.status),
        rows.map((r) => r.dueAt),
      ],
      tx,
    );
  }

  /** Sets the status of deliveries (and counts an attempt for those that went out). */
  async setDeliveryStatuses(tx: Tx, statuses: Map<string, DeliveryStatus>): Promise<void> {
    if (statuses.size === 0) return;
    await execute(
      this.db,
      `UPDATE deliveries d
       SET status = t.status, updated_at = now(), attempts = d.attempts + (t.status = 'sent')::int
       FROM unnest($1::uuid[], $2::text[]) AS t(id, status) WHERE d.id = t.id`,
      [[...statuses.keys()], [...statuses.values()]],
      tx,
    );
  }

  /**
   * Claims up to `limit` scheduled deliveries on `channel` that are due, locking
   * them for the rest of `tx`. Rows another process holds are skipped, so
   * several Herald processes release each one once.
   */
  async claimDue(
    tx: Tx,
    channel: Channel,
    limit: number,
  ): Promise<Array<{ deliveryId: string; notification: Notification }>> {
    const rows = await queryRows<NotificationRow & { delivery_id: string }>(
      this.db,
      `SELECT d.id AS delivery_id, ${notificationColumns}
       FROM deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE d.status = 'scheduled' AND d.channel = $1 AND d.due_at <= now()
       ORDER BY d.due_at, d.id
       LIMIT $2
       FOR UPDATE OF d SKIP LOCKED`,
      [channel, limit],
      tx,
    );
    return rows.map((r) => ({ deliveryId: r.delivery_id, notification: toNotification(r) }));
  }

  async get(id: string): Promise<Notification | null> {
    const [row] = await queryRows<NotificationRow>(
      this.db,
      `SELECT ${notificationColumns} FROM notifications n WHERE n.id = $1`,
      [id],
      undefined,
    );
    return row ? toNotification(row) : null;
  }

  /** Notifications by id, in the order of `ids`; missing ones are skipped. */
  async getMany(ids: string[]): Promise<Notification[]> {
    const rows = await queryRows<NotificationRow>(
      this.db,
      `SELECT ${notificationColumns} FROM notifications n WHERE n.id = ANY($1::uuid[])`,
      [ids],
      undefined,
    );
    const byId = new Map(rows.map((r) => [r.id, toNotification(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async deliveries(notificationId: string): Promise<Delivery[]> {
    const rows = await queryRows<DeliveryRow>(
      this.db,
      `SELECT id, notification_id, channel, status, attempts, last_error, created_at, updated_at
       FROM deliveries WHERE notification_id = $1 ORDER BY channel`,
      [notificationId],
      undefined,
    );
    return rows.map(toDelivery);
  }

  /**
   * One page of a user's inbox (or archive), newest first, plus one extra row
   * to tell whether another page follows. Each filter combination has a partial
   * index (see the initial migration), so a page costs one short index scan.
   */
  async list(q: ListQuery): Promise<Array<{ notification: Notification; seq: number }>> {
    const where = [
      "n.user_id = $1",
      "n.seq IS NOT NULL",
      q.archived ? "n.archived_at IS NOT NULL" : "n.archived_at IS NULL",
    ];
    const bind: unknown[] = [q.userId];
    if (q.unreadOnly) where.push("n.read_at IS NULL");
    if (q.category !== "") {
      bind.push(q.category);
      where.push(`n.category = $${bind.length}`);
    }
    if (q.beforeSeq !== null) {
      bind.push(q.beforeSeq);
      where.push(`n.seq < $${bind.length}`);
    }
    bind.push(q.limit + 1);
    const rows = await queryRows<NotificationRow & { seq: number }>(
      this.db,
      `SELECT ${notificationColumns}, n.seq FROM notifications n
       WHERE ${where.join(" AND ")}
       ORDER BY n.seq DESC LIMIT $${bind.length}`,
      bind,
      undefined,
    );
    return rows.map((r) => ({ notification: toNotification(r), seq: r.seq }));
  }
}
