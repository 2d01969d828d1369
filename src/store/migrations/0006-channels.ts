import type { Migration } from "../migrator.js";

/**
 * Channels come from the code's registry (channels/registry.ts), not from
 * lists in the schema: the `channels` table holds the ids the running code
 * knows (each process registers its own at start, store/channel-store.ts) and
 * every channel column references it, instead of CHECK lists that each new
 * channel would have to change. Recipients' addresses become one jsonb map by
 * channel id (email, sms, and whatever channel sends to an address), and
 * endpoints name the channel they are for (webhook, or a chat tool's incoming
 * webhook).
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE TABLE channels (
      id text PRIMARY KEY,
      registered_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO channels (id) VALUES ('in_app'), ('email'), ('sms'), ('push'), ('webhook');

    ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_channel_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel FOREIGN KEY (channel) REFERENCES channels (id);
    ALTER TABLE preferences DROP CONSTRAINT IF EXISTS preferences_channel_check;
    ALTER TABLE preferences ADD CONSTRAINT preferences_channel FOREIGN KEY (channel) REFERENCES channels (id);
    ALTER TABLE templates DROP CONSTRAINT IF EXISTS templates_channel_check;
    ALTER TABLE templates ADD CONSTRAINT templates_channel FOREIGN KEY (channel) REFERENCES channels (id);
    ALTER TABLE outbox ADD CONSTRAINT outbox_channel FOREIGN KEY (channel) REFERENCES channels (id);

    ALTER TABLE recipients ADD COLUMN addresses jsonb NOT NULL DEFAULT '{}';
    UPDATE recipients SET addresses = jsonb_strip_nulls(jsonb_build_object(
      'email', nullif(email, ''), 'sms', nullif(phone, '')));
    ALTER TABLE recipients DROP COLUMN email, DROP COLUMN phone;

    ALTER TABLE webhook_endpoints ADD COLUMN channel text NOT NULL DEFAULT 'webhook' REFERENCES channels (id);
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE webhook_endpoints DROP COLUMN channel;
    ALTER TABLE recipients ADD COLUMN email text NOT NULL DEFAULT '', ADD COLUMN phone text NOT NULL DEFAULT '';
    UPDATE recipients SET email = coalesce(addresses ->> 'email', ''), phone = coalesce(addresses ->> 'sms', '');
    ALTER TABLE recipients DROP COLUMN addresses;
    ALTER TABLE outbox DROP CONSTRAINT outbox_channel;
    ALTER TABLE templates DROP CONSTRAINT templates_channel;
    ALTER TABLE preferences DROP CONSTRAINT preferences_channel;
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel;
    DROP TABLE channels;
  `);
};
