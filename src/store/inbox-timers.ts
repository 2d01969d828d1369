import type { Notification } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import type { FeedOwner } from "./feed-log.js";
import { countedUnreadSql, countedUnseenSql } from "./inbox-condition.js";
import { type NotificationRow, notificationColumns, toNotification } from "./rows.js";

/** A notification that left or entered the inbox, and how it moved the counts. */
export interface TimedRow {
  id: string;
  /** Counted as unread before (snooze, expire) or after (unsnooze, return). */
  unread: boolean;
  /** Counted as unseen before or after, likewise. */
  unseen: boolean;
}

/** A snoozed notification whose time came. */
export interface ReturnedRow extends TimedRow {
  notification: Notification;
  /** Whether it goes back to the inbox (not archived or expired meanwhile): those get a new seq. */
  back: boolean;
}

/** An expired notification: placed ones (a seq) are in a feed and get an event. */
export interface ExpiredRow extends TimedRow, FeedOwner {
  placed: boolean;
}

const owners = (users: readonly FeedOwner[]) => [users.map((u) => u.tenantId), users.map((u) => u.userId)];

/**
 * Snooze times and expiry of notifications. Every writer here runs under the
 * feed head lock of the users it changes (feedLog.lock, or {@link
 * inboxTimers.claimHeads}), the same order MarkRead takes (head, then rows),
 * so the counts it reports are exact and two sweepers never both move a row.
 */
export const inboxTimers = {
  /**
   * Snoozes the user's notifications among `ids` that are in the inbox or
   * snoozed already (then the time moves) until `until`.
   */
  async snooze(q: Queryable, tenantId: string, userId: string, ids: readonly string[], until: Date) {
    return q.rows<TimedRow>(
      `WITH old AS (
         SELECT id, ${countedUnreadSql()} AS unread, ${countedUnseenSql()} AS unseen
         FROM notifications
         WHERE tenant_id = $1 AND user_id = $2 AND id = ANY($3::uuid[])
           AND seq IS NOT NULL AND archived_at IS NULL AND expired_at IS NULL
         FOR UPDATE)
       UPDATE notifications n SET snooze_until = $4 FROM old
       WHERE n.tenant_id = $1 AND n.id = old.id
       RETURNING n.id, old.unread, old.unseen`,
      [tenantId, userId, ids, until],
    );
  },

  /** Brings the user's snoozed notifications among `ids` back now (their seq unchanged). */
  async unsnooze(q: Queryable, tenantId: string, userId: string, ids: readonly string[]) {
    return q.rows<TimedRow>(
      `UPDATE notifications SET snooze_until = NULL
       WHERE tenant_id = $1 AND user_id = $2 AND id = ANY($3::uuid[]) AND snooze_until IS NOT NULL
       RETURNING id, ${countedUnreadSql()} AS unread, ${countedUnseenSql()} AS unseen`,
      [tenantId, userId, ids],
    );
  },

  /**
   * Locks, until the transaction of `q` ends, the feed heads of up to `limit`
   * users (any tenants) with notifications due in `due` (`snooze` or
   * `expiry`) at `now`. Heads another transaction holds are skipped (a
   * sweeper on another process, or a MarkRead): they come in a later round.
   * `headless` are due users without a feed (expiry of notifications never
   * placed); they are not locked.
   */
  async claimHeads(
    q: Queryable,
    due: "snooze" | "expiry",
    now: Date,
    limit: number,
  ): Promise<{ locked: FeedOwner[]; headless: FeedOwner[] }> {
    const dueSql =
      due === "snooze"
        ? "SELECT tenant_id, user_id FROM notifications WHERE snooze_until <= $1 ORDER BY snooze_until LIMIT $2"
        : `SELECT tenant_id, user_id FROM notifications
           WHERE expire_at <= $1 AND expired_at IS NULL ORDER BY expire_at LIMIT $2`;
    const candidates = await q.rows<{ tenant_id: string; user_id: string; has_head: boolean }>(
      `SELECT DISTINCT d.tenant_id, d.user_id,
              EXISTS (SELECT 1 FROM user_feeds f WHERE f.tenant_id = d.tenant_id AND f.user_id = d.user_id) AS has_head
       FROM (${dueSql}) d`,
      [now, limit],
    );
    const withHead = candidates.filter((c) => c.has_head).map((c) => ({ tenantId: c.tenant_id, userId: c.user_id }));
    const headless = candidates.filter((c) => !c.has_head).map((c) => ({ tenantId: c.tenant_id, userId: c.user_id }));
    if (withHead.length === 0) return { locked: [], headless };
    const rows = await q.rows<{ tenant_id: string; user_id: string }>(
      `SELECT f.tenant_id, f.user_id FROM user_feeds f
       JOIN unnest($1::text[], $2::text[]) AS t(tenant_id, user_id)
         ON f.tenant_id = t.tenant_id AND f.user_id = t.user_id
       ORDER BY f.tenant_id, f.user_id
       FOR UPDATE OF f SKIP LOCKED`,
      owners(withHead),
    );
    return { locked: rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id })), headless };
  },

  /** Ends the snooze of up to `limit` due notifications of `users` (whose heads the caller holds). */
  async takeReturns(q: Queryable, users: readonly FeedOwner[], now: Date, limit: number): Promise<ReturnedRow[]> {
    if (users.length === 0) return [];
    const rows = await q.rows<NotificationRow & { back: boolean; unread: boolean; unseen: boolean }>(
      `UPDATE notifications n SET snooze_until = NULL
       WHERE (n.tenant_id, n.id) IN (
         SELECT x.tenant_id, x.id FROM notifications x
         JOIN unnest($1::text[], $2::text[]) AS t(tenant_id, user_id)
           ON x.tenant_id = t.tenant_id AND x.user_id = t.user_id
         WHERE x.snooze_until <= $3 ORDER BY x.snooze_until, x.id LIMIT $4)
       RETURNING ${notificationColumns},
                 (n.archived_at IS NULL AND n.expired_at IS NULL AND n.retracted_at IS NULL) AS back,
                 ${countedUnreadSql("n")} AS unread, ${countedUnseenSql("n")} AS unseen`,
      [...owners(users), now, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      notification: toNotification(r),
      back: r.back,
      unread: r.unread,
      unseen: r.unseen,
    }));
  },

  /**
   * Expires up to `limit` due notifications of `users`: first their
   * deliveries not sent yet are canceled (not the webhooks of their events:
   * expiry does not undo what happened), then the rows are marked. With
   * `unplacedOnly` (users without a locked head) only notifications not in
   * any feed are taken; canceling the deliveries first means a scheduled
   * in-app delivery placing one of them concurrently either waits and finds
   * its delivery canceled, or got there first and the row is placed (seq set)
   * and left for a later round under the head lock.
   */
  async expire(
    q: Queryable,
    users: readonly FeedOwner[],
    now: Date,
    limit: number,
    unplacedOnly: boolean,
  ): Promise<ExpiredRow[]> {
    if (users.length === 0) return [];
    const placedSql = unplacedOnly ? "AND x.seq IS NULL" : "";
    const due = `SELECT x.tenant_id, x.id FROM notifications x
       JOIN unnest($1::text[], $2::text[]) AS t(tenant_id, user_id)
         ON x.tenant_id = t.tenant_id AND x.user_id = t.user_id
       WHERE x.expire_at <= $3 AND x.expired_at IS NULL ${placedSql}
       ORDER BY x.expire_at, x.id LIMIT $4`;
    await q.exec(
      `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, last_error = 'expired', updated_at = now()
       WHERE (tenant_id, notification_id) IN (${due}) AND status IN ('scheduled', 'pending', 'failed')
         AND event_seq = 0`,
      [...owners(users), now, limit],
    );
    const rows = await q.rows<{ id: string; tenant_id: string; user_id: string; placed: boolean } & TimedRow>(
      `UPDATE notifications n SET expired_at = $3
       WHERE (n.tenant_id, n.id) IN (${due})
       RETURNING n.id, n.tenant_id, n.user_id, (n.seq IS NOT NULL) AS placed,
         (n.seq IS NOT NULL AND n.archived_at IS NULL AND n.snooze_until IS NULL AND n.read_at IS NULL) AS unread,
         (n.seq IS NOT NULL AND n.archived_at IS NULL AND n.snooze_until IS NULL AND n.seen_at IS NULL AND n.read_at IS NULL) AS unseen`,
      [...owners(users), now, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      userId: r.user_id,
      placed: r.placed,
      unread: r.unread,
      unseen: r.unseen,
    }));
  },
};

export type InboxTimers = typeof inboxTimers;
