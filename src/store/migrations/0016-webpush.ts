import type { Migration } from "../migrator.js";

/**
 * Web Push subscriptions are devices of a fourth platform, `web_push`: the
 * token is the subscription's endpoint URL (unique per tenant, as tokens are),
 * and the browser's keys (RFC 8291: its P-256 public key and authentication
 * secret) are kept beside it, present exactly on web_push devices. The
 * `webpush` channel id itself needs nothing here: each process registers its
 * channels at start (store/channel-store.ts).
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE devices DROP CONSTRAINT devices_platform_check,
      ADD CONSTRAINT devices_platform_check CHECK (platform IN ('android', 'ios', 'web', 'web_push')),
      ADD COLUMN web_push_p256dh text,
      ADD COLUMN web_push_auth text,
      ADD CONSTRAINT devices_web_push_keys CHECK (
        (platform = 'web_push') = (web_push_p256dh IS NOT NULL AND web_push_auth IS NOT NULL));
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DELETE FROM devices WHERE platform = 'web_push';
    ALTER TABLE devices DROP CONSTRAINT devices_web_push_keys,
      DROP COLUMN web_push_p256dh,
      DROP COLUMN web_push_auth,
      DROP CONSTRAINT devices_platform_check,
      ADD CONSTRAINT devices_platform_check CHECK (platform IN ('android', 'ios', 'web'));
  `);
};
