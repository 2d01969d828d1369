import type { Notification } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import { inInboxSql } from "./inbox-condition.js";
import { type NotificationRow, notificationColumns, toNotification } from "./rows.js";

/** Which page of a user's notifications to read. */
export interface ListQuery {
  tenantId: string;
  userId: string;
  /** Return notifications with seq below this; null for the first page. */
  beforeSeq: number | null;
  limit: number;
  unreadOnly: boolean;
  unseenOnly: boolean;
  category: string;
  archived: boolean;
  /** The snoozed notifications (not archived) instead of the inbox. */
  snoozed?: boolean;
  /** Only notifications having any of these tags; empty for no tag filter. */
  tags?: readonly string[];
}

/** Notifications: their inbox placement, reads and pages. */
export const notificationStore = {
  /** Places notifications that were waiting (scheduled) into their users' inboxes. */
  /**
   * Places notifications that were waiting (scheduled) into their users'
   * inboxes: each row names its tenant, so one call may place the
   * notifications of several tenants (the scheduler releases them together).
   */
  async setSeqs(q: Queryable, placed: ReadonlyArray<{ tenantId: string; id: string; seq: number }>): Promise<void> {
    if (placed.length === 0) return;
    await q.exec(
      `UPDATE notifications n SET seq = t.seq
       FROM unnest($1::text[], $2::uuid[], $3::bigint[]) AS t(tenant_id, id, seq)
       WHERE n.tenant_id = t.tenant_id AND n.id = t.id`,
      [placed.map((p) => p.tenantId), placed.map((p) => p.id), placed.map((p) => p.seq)],
    );
  },

  /** A notification of the tenant; another tenant's id reads as absent. */
  async get(q: Queryable, tenantId: string, id: string): Promise<Notification | null> {
    const [row] = await q.rows<NotificationRow>(
      `SELECT ${notificationColumns} FROM notifications n WHERE n.tenant_id = $1 AND n.id = $2`,
      [tenantId, id],
    );
    return row ? toNotification(row) : null;
  },

  /** Which API key sent a notification (null: none recorded); null if the tenant has no such notification. */
  async origin(q: Queryable, tenantId: string, id: string): Promise<{ senderKeyId: string | null } | null> {
    const [row] = await q.rows<{ sender_key_id: string | null }>(
      "SELECT sender_key_id FROM notifications WHERE tenant_id = $1 AND id = $2",
      [tenantId, id],
    );
    return row ? { senderKeyId: row.sender_key_id } : null;
  },

  /** The tenant's notifications by id, in the order of `ids`; missing ones are skipped. */
  async getMany(q: Queryable, tenantId: string, ids: string[]): Promise<Notification[]> {
    const rows = await q.rows<NotificationRow>(
      `SELECT ${notificationColumns} FROM notifications n WHERE n.tenant_id = $1 AND n.id = ANY($2::uuid[])`,
      [tenantId, ids],
    );
    const byId = new Map(rows.map((r) => [r.id, toNotification(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  },

  /**
   * One page of a user's inbox (or archive), newest first, plus one extra row
   * to tell whether another page follows, and the user's unread count. Each
   * filter combination has a partial index (see the initial migration), so a
   * page costs one short index scan. Page and count come from one statement:
   * one pooled connection and one round trip per List instead of two in
   * parallel (which doubled the connections a burst of Lists needs), and both
   * from the same snapshot. The count is read here, not written: the feed log
   * stays the only writer of `user_feeds`.
   */
  async list(
    q: Queryable,
    query: ListQuery,
  ): Promise<{ rows: Array<{ notification: Notification; seq: number }>; unreadCount: number; unseenCount: number }> {
    const where = ["n.tenant_id = $1", "n.user_id = $2", listedSql(query)];
    const bind: unknown[] = [query.tenantId, query.userId];
    if (query.unreadOnly) where.push("n.read_at IS NULL");
    if (query.unseenOnly) where.push("n.seen_at IS NULL AND n.read_at IS NULL");
    if (query.category !== "") {
      bind.push(query.category);
      where.push(`n.category = $${bind.length}`);
    }
    if ((query.tags?.length ?? 0) > 0) {
      bind.push(query.tags);
      where.push(`n.tags && $${bind.length}::text[]`);
    }
    if (query.beforeSeq !== null) {
      bind.push(query.beforeSeq);
      where.push(`n.seq < $${bind.length}`);
    }
    bind.push(query.limit + 1);
    // The outer one-row side keeps the count when the page is empty: then the
    // single row has the count and NULL notification columns.
    const rows = await q.rows<PageRow>(
      `SELECT f.unread_count, f.unseen_count, page.*
       FROM (VALUES (1)) AS one (x)
       LEFT JOIN user_feeds f ON f.tenant_id = $1 AND f.user_id = $2
       LEFT JOIN LATERAL (
         SELECT ${notificationColumns}, n.seq FROM notifications n
         WHERE ${where.join(" AND ")}
         ORDER BY n.seq DESC LIMIT $${bind.length}
       ) AS page ON true
       ORDER BY page.seq DESC`,
      bind,
    );
    return {
      rows: rows.flatMap((r) => (r.id === null ? [] : [{ notification: toNotification(r), seq: r.seq }])),
      unreadCount: rows[0]?.unread_count ?? 0,
      unseenCount: rows[0]?.unseen_count ?? 0,
    };
  },
};

/** A row of List's statement; on an empty page the one row has NULL notification columns (id too). */
type PageRow = NotificationRow & { seq: number; unread_count: number | null; unseen_count: number | null };

export type NotificationStore = typeof notificationStore;

/**
 * Which placed rows a List shows: the inbox (the one rule, inbox-condition.ts),
 * or the archive, or what is snoozed. Expired ones are gone for good.
 */
function listedSql(query: Pick<ListQuery, "archived" | "snoozed">): string {
  if (!query.archived && query.snoozed !== true) return inInboxSql("n");
  const archived = query.archived ? "n.archived_at IS NOT NULL" : "n.archived_at IS NULL";
  const snoozed = query.snoozed === true ? "n.snooze_until IS NOT NULL" : "n.snooze_until IS NULL";
  return `(n.seq IS NOT NULL AND ${archived} AND n.expired_at IS NULL AND ${snoozed})`;
}
