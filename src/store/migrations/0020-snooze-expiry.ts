import type { Migration } from "../migrator.js";

/**
 * Snooze and expiry (issue 14).
 *
 * - `notifications.snooze_until`: set while the notification is snoozed; the
 *   return sweep clears it when the time comes and gives the notification a
 *   new seq (the top of the inbox).
 * - `notifications.expire_at`: when it expires (Send's expire_at or ttl);
 *   `expired_at`: when the expiry sweep took it out of the inbox. The two are
 *   apart because counts move when the sweep commits, not when the clock
 *   passes expire_at: the inbox and the counts exclude `expired_at IS NOT
 *   NULL`, delivery workers refuse `expire_at <= now()` at once.
 *
 * Partial indexes keep each sweep's "what is due" one short index scan over
 * the rows still waiting, however many notifications there are.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE notifications
      ADD COLUMN snooze_until timestamptz,
      ADD COLUMN expire_at timestamptz,
      ADD COLUMN expired_at timestamptz;
    CREATE INDEX notifications_snooze_due ON notifications (snooze_until)
      WHERE snooze_until IS NOT NULL;
    CREATE INDEX notifications_expiry_due ON notifications (expire_at)
      WHERE expire_at IS NOT NULL AND expired_at IS NULL;
    CREATE INDEX notifications_snoozed ON notifications (tenant_id, user_id, seq DESC)
      WHERE snooze_until IS NOT NULL;
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP INDEX notifications_snoozed;
    DROP INDEX notifications_expiry_due;
    DROP INDEX notifications_snooze_due;
    ALTER TABLE notifications DROP COLUMN expired_at, DROP COLUMN expire_at, DROP COLUMN snooze_until;
  `);
};
