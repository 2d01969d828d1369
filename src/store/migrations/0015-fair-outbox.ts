import type { Migration } from "../migrator.js";

/**
 * Fair dispatch: each outbox row says whose delivery it is (`tenant_id`) and
 * which lane it travels in (`lane`: urgent for high and critical
 * notifications, bulk for the rest; domain/lane.ts), so the relay can take
 * the due rows of each channel and lane tenant by tenant (`outbox_fair`)
 * instead of oldest first across everyone. Rows queued before this migration
 * get both from their delivery and notification.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE outbox ADD COLUMN tenant_id text, ADD COLUMN lane text;
    UPDATE outbox o SET tenant_id = d.tenant_id,
      lane = CASE WHEN n.priority IN ('high', 'critical') THEN 'urgent' ELSE 'bulk' END
    FROM deliveries d JOIN notifications n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id
    WHERE d.id = o.delivery_id;
    -- A row whose delivery is gone has nothing left to publish.
    DELETE FROM outbox WHERE tenant_id IS NULL;
    ALTER TABLE outbox ALTER COLUMN tenant_id SET NOT NULL, ALTER COLUMN lane SET NOT NULL,
      ADD CONSTRAINT outbox_lane CHECK (lane IN ('urgent', 'bulk'));
    CREATE INDEX outbox_fair ON outbox (channel, lane, tenant_id, available_at, id);
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP INDEX outbox_fair;
    ALTER TABLE outbox DROP COLUMN tenant_id, DROP COLUMN lane;
  `);
};
