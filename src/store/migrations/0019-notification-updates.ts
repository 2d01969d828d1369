import type { Migration } from "../migrator.js";

/**
 * Update and retract (issue 14).
 *
 * - `group_key`: the thread a notification belongs to; a Send with the same
 *   key to the same user retracts the previous one. Looked up per (tenant,
 *   user, key) among notifications not retracted, so the index is partial on
 *   exactly that: retracted rows leave it.
 * - `version` (1 as sent) and `updated_at`: UpdateNotification bumps both
 *   when the content changes. Adding a column with a constant default
 *   rewrites nothing (Postgres 11+).
 * - `retracted_at`: when the sender withdrew the notification (or a newer
 *   one of its group replaced it). A retracted notification also loses its
 *   `seq` in the same statement, which takes it out of every inbox query,
 *   index and count (they all require `seq IS NOT NULL`).
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE notifications
      ADD COLUMN group_key text,
      ADD COLUMN version integer NOT NULL DEFAULT 1,
      ADD COLUMN updated_at timestamptz,
      ADD COLUMN retracted_at timestamptz;
    CREATE INDEX notifications_group ON notifications (tenant_id, user_id, group_key)
      WHERE group_key IS NOT NULL AND retracted_at IS NULL;
  `);
};
