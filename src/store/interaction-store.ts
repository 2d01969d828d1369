import type { NotificationAction } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import { inboxRowSql } from "./inbox-counts.js";

/** A notification in a user's inbox as InteractNotification finds it, locked. */
export interface InteractionTarget {
  actions: NotificationAction[];
  /** The action recorded last; null for none. */
  lastActionId: string | null;
  /** Whether it counts toward the unread count, and the unseen count, now. */
  countsUnread: boolean;
  countsUnseen: boolean;
  /** The user's unseen count now (read with the row; FeedHead carries only the unread count). */
  headUnseenCount: number;
}

/** Users' interactions with notifications' actions (notifications.interaction). */
export const interactionStore = {
  /**
   * The user's placed notification, locked until the transaction of `q` ends;
   * null if the user has no such notification in the inbox or archive.
   */
  async lockTarget(q: Queryable, tenantId: string, userId: string, id: string): Promise<InteractionTarget | null> {
    const [row] = await q.rows<{
      actions: NotificationAction[] | null;
      last_action_id: string | null;
      in_inbox: boolean;
      unread: boolean;
      unseen: boolean;
      head_unseen: number | null;
    }>(
      `SELECT n.actions, n.interaction ->> 'action_id' AS last_action_id, (${inboxRowSql}) AS in_inbox,
              n.read_at IS NULL AS unread, n.seen_at IS NULL AND n.read_at IS NULL AS unseen,
              (SELECT f.unseen_count FROM user_feeds f WHERE f.tenant_id = $1 AND f.user_id = $2) AS head_unseen
       FROM notifications n
       WHERE n.tenant_id = $1 AND n.user_id = $2 AND n.id = $3 AND n.seq IS NOT NULL
       FOR UPDATE`,
      [tenantId, userId, id],
    );
    if (row === undefined) return null;
    return {
      actions: row.actions ?? [],
      lastActionId: row.last_action_id,
      countsUnread: row.in_inbox && row.unread,
      countsUnseen: row.in_inbox && row.unseen,
      headUnseenCount: row.head_unseen ?? 0,
    };
  },

  /** Records the action taken at `time`, and reads the notification if it was not (reading sees it). */
  async record(q: Queryable, tenantId: string, id: string, actionId: string, time: Date): Promise<void> {
    await q.exec(
      `UPDATE notifications
       SET interaction = jsonb_build_object('action_id', $3::text, 'time', $4::timestamptz),
           read_at = coalesce(read_at, $4)
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, actionId, time],
    );
  },
};
