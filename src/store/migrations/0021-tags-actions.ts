import type { Migration } from "../migrator.js";

/**
 * Tags, tabs and actions (issue 14).
 *
 * - `notifications.tags`: the notification's tags (request's, then its
 *   template's), never NULL so filters need no COALESCE.
 * - `notifications.actions`: its action buttons as a JSON array of
 *   {id, label, url?, payload?}; NULL when it has none.
 * - `notifications.interaction`: the action the user took last,
 *   {action_id, time}; NULL while none.
 * - `notifications_tags`: List's tag filter and the tab counts look up a
 *   user's notifications having any of a few tags. A GIN index over
 *   (tenant_id, user_id, tags) (btree_gin lets the two text columns into a
 *   GIN index) finds exactly those rows of that user, however rare the tag;
 *   without it a rare tag would scan the whole inbox. btree_gin is a trusted
 *   contrib extension (PostgreSQL 13+): a database owner may create it.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE EXTENSION IF NOT EXISTS btree_gin;
    ALTER TABLE notifications
      ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
      ADD COLUMN actions jsonb,
      ADD COLUMN interaction jsonb;
    CREATE INDEX notifications_tags ON notifications USING gin (tenant_id, user_id, tags)
      WHERE seq IS NOT NULL AND tags <> '{}';
  `);
};
