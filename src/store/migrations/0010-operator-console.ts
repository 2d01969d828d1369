import type { Migration } from "../migrator.js";

/**
 * What the operator console (OperatorService) reads:
 * - `trace_id` and `template_key` on notifications, so a notification's life
 *   links to the trace of the Send that made it and names its template. Both
 *   are nullable without a default: adding them rewrites nothing, and a Send
 *   writes them once per Send (its shared row), not per recipient.
 * - `notifications_by_user (user_id, id DESC)`, the one index the search
 *   needs: a user's notifications newest first. The inbox indexes cover only
 *   notifications in an inbox (`seq IS NOT NULL`); an email-only or scheduled
 *   notification is in none of them, and finding a user's notifications
 *   without this index scans the whole table. It costs Send one more index
 *   entry per notification; every other filter uses indexes that exist
 *   (deliveries_by_status, the primary keys of notifications and
 *   idempotency_keys) or a bounded scan (see store/notification-search.ts).
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE notifications ADD COLUMN trace_id text, ADD COLUMN template_key text;
    CREATE INDEX notifications_by_user ON notifications (user_id, id DESC);
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP INDEX notifications_by_user;
    ALTER TABLE notifications DROP COLUMN trace_id, DROP COLUMN template_key;
  `);
};
