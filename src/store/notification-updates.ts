import type { JsonObject, Notification, NotificationAction } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import { countedUnreadSql, countedUnseenSql } from "./inbox-condition.js";
import { type NotificationRow, notificationColumns, toNotification } from "./rows.js";

/** New content for a notification: each field given replaces the stored one. */
export interface ContentPatch {
  title?: string;
  body?: string;
  actionUrl?: string;
  /** Null clears data. */
  data?: JsonObject | null;
  /** The whole list of action buttons; empty removes them. */
  actions?: NotificationAction[];
}

/** Who a notification belongs to and whether it still stands. */
export interface NotificationOwner {
  userId: string;
  senderKeyId: string | null;
  retracted: boolean;
}

/** A notification that a retraction took out, and whether it was in the counts. */
export interface Retracted {
  id: string;
  userId: string;
  /** It was in the unread count, so the count drops by one. */
  wasUnread: boolean;
  /** It was in the unseen count. */
  wasUnseen: boolean;
}

// Seed of the advisory locks that serialize Sends of one group to one user.
const groupLockSeed = 0x67726f7570;

/** Content updates, retractions and groups (threads) of notifications. */
export const notificationUpdates = {
  /** Whose the notification is, or null if the tenant has no such notification. */
  async owner(q: Queryable, tenantId: string, id: string): Promise<NotificationOwner | null> {
    const [row] = await q.rows<{ user_id: string; sender_key_id: string | null; retracted: boolean }>(
      `SELECT user_id, sender_key_id, retracted_at IS NOT NULL AS retracted
       FROM notifications WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return row ? { userId: row.user_id, senderKeyId: row.sender_key_id, retracted: row.retracted } : null;
  },

  /**
   * Applies `patch` to a notification that is not retracted, if it changes
   * anything: version + 1, updated_at = `time`. Returns the notification as
   * it is after; `changed` is false when the content was already so (or it
   * is retracted: check `retractedAt`). Null if there is no such notification.
   */
  async setContent(
    q: Queryable,
    tenantId: string,
    id: string,
    patch: ContentPatch,
    time: Date,
  ): Promise<{ notification: Notification; changed: boolean } | null> {
    // Each new value, or the stored one where the patch leaves it; compared as
    // a row, so the same content twice writes nothing (jsonb compares by value).
    const next = `coalesce($3, n.title), coalesce($4, n.body), coalesce($5, n.action_url),
                  CASE WHEN $6::boolean THEN $7::jsonb ELSE n.data END,
                  CASE WHEN $9::boolean THEN $10::jsonb ELSE n.actions END`;
    const bind = [
      tenantId,
      id,
      patch.title ?? null,
      patch.body ?? null,
      patch.actionUrl ?? null,
      patch.data !== undefined,
      patch.data === undefined || patch.data === null ? null : JSON.stringify(patch.data),
      time,
      patch.actions !== undefined,
      // No buttons is stored as NULL, as a Send without actions stores it.
      patch.actions === undefined || patch.actions.length === 0 ? null : JSON.stringify(patch.actions),
    ];
    const [updated] = await q.rows<NotificationRow>(
      `UPDATE notifications n SET (title, body, action_url, data, actions) = (${next}),
              version = n.version + 1, updated_at = $8
       WHERE n.tenant_id = $1 AND n.id = $2 AND n.retracted_at IS NULL
         AND (${next}) IS DISTINCT FROM (n.title, n.body, n.action_url, n.data, n.actions)
       RETURNING ${notificationColumns}`,
      bind,
    );
    if (updated !== undefined) return { notification: toNotification(updated), changed: true };
    const [current] = await q.rows<NotificationRow>(
      `SELECT ${notificationColumns} FROM notifications n WHERE n.tenant_id = $1 AND n.id = $2`,
      [tenantId, id],
    );
    return current === undefined ? null : { notification: toNotification(current), changed: false };
  },

  /**
   * Retracts the tenant's notifications `ids` that are not retracted yet, at
   * `time`: they lose their seq (leaving the inbox, its indexes and counts)
   * and any snooze (a retracted notification never returns)
   * and get retracted_at. Returns those it retracted, with whether each was
   * in the unread and unseen counts before. The caller holds the users'
   * feed head locks, so no read or archive change races with the counting.
   */
  async retract(q: Queryable, tenantId: string, ids: readonly string[], time: Date): Promise<Retracted[]> {
    if (ids.length === 0) return [];
    const rows = await q.rows<{ id: string; user_id: string; unread: boolean; unseen: boolean }>(
      `WITH old AS (
         SELECT n.id, n.user_id, (${countedUnreadSql("n")}) AS unread, (${countedUnseenSql("n")}) AS unseen
         FROM notifications n
         WHERE n.tenant_id = $1 AND n.id = ANY($2::uuid[]) AND n.retracted_at IS NULL
         ORDER BY n.id
         FOR UPDATE
       )
       UPDATE notifications n SET retracted_at = $3, seq = NULL, snooze_until = NULL
       FROM old WHERE n.tenant_id = $1 AND n.id = old.id
       RETURNING old.id, old.user_id, old.unread, old.unseen`,
      [tenantId, ids, time],
    );
    return rows.map((r) => ({ id: r.id, userId: r.user_id, wasUnread: r.unread, wasUnseen: r.unseen }));
  },

  /**
   * Serializes, until the transaction of `q` ends, every writer of group
   * `groupKey` for these users (a Send replacing the group's notification,
   * a retraction by group): without it two Sends of a group to a user who
   * has no feed head yet would both find nothing to replace. Locks are taken
   * in user order, so two such writers never wait on each other in a cycle.
   */
  async lockGroups(q: Queryable, tenantId: string, userIds: readonly string[], groupKey: string): Promise<void> {
    await q.rows(
      `SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || s.u || '/' || $3, ${groupLockSeed}))
       FROM (SELECT DISTINCT u FROM unnest($2::text[]) AS t(u) ORDER BY u) s`,
      [tenantId, userIds, groupKey],
    );
  },

  /**
   * The notifications of group `groupKey` that stand (not retracted) for
   * these users: normally one per user, the one the next Send replaces.
   * With `senderKeyId`, only those that key sent.
   */
  async currentOfGroup(
    q: Queryable,
    tenantId: string,
    userIds: readonly string[],
    groupKey: string,
    senderKeyId: string | null = null,
  ): Promise<Array<{ id: string; userId: string }>> {
    const rows = await q.rows<{ id: string; user_id: string }>(
      `SELECT n.id, n.user_id FROM notifications n
       WHERE n.tenant_id = $1 AND n.user_id = ANY($2::text[]) AND n.group_key = $3 AND n.retracted_at IS NULL
         AND ($4::text IS NULL OR n.sender_key_id = $4)
       ORDER BY n.id`,
      [tenantId, userIds, groupKey, senderKeyId],
    );
    return rows.map((r) => ({ id: r.id, userId: r.user_id }));
  },
};

export type NotificationUpdates = typeof notificationUpdates;
