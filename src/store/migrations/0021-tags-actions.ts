import type { Migration } from "../migrator.js";

/**
 * Tags, tabs and actions (issue 14).
 *
 * - `notifications.tags`: the notification's tags (request's, then its
 *   template's), never NULL so filters need no COALESCE.
 * - `notifications.actions`: its action buttons as a JSON array of
 *   {id, label, url, payload}; NULL when it has none.
 * - `notifications.interaction`: the action the user took last,
 *   {action_id, time}; NULL while none.
 *
 * No index on tags: List's tag filter and the tab counts read one user's
 * inbox through the per-user partial indexes (notifications_inbox,
 * notifications_unread, notifications_unseen), so their cost is bounded by
 * that user's inbox, not by the table. A GIN index over (tenant_id, user_id,
 * tags) through btree_gin was tried on a 10,000-notification inbox: the
 * planner preferred the inbox index even for a tag on 3 rows (3.4 ms), and
 * the extension would be one more thing a managed database must allow.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE notifications
      ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
      ADD COLUMN actions jsonb,
      ADD COLUMN interaction jsonb;
  `);
};
