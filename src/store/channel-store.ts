import type { Database } from "./database.js";

/**
 * The channel ids the database accepts: the `channels` table, which the
 * channel columns of templates, preferences and endpoints reference, and from
 * which the checks of the hot tables (deliveries, outbox) are derived
 * (migration 0008).
 */
export const channelStore = {
  /**
   * Adds the channels this code knows; each process does so at start
   * (idempotent). When one is new, the derived checks are rebuilt: a brief
   * exclusive lock on deliveries and outbox, once per new channel, serialised
   * between processes starting together.
   */
  async register(db: Database, ids: readonly string[]): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.exec("SELECT pg_advisory_xact_lock(hashtext('herald.channels'))");
      const added = await tx.rows<{ id: string }>(
        "INSERT INTO channels (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING RETURNING id",
        [ids],
      );
      if (added.length > 0) await tx.exec("SELECT herald_derive_channel_checks()");
    });
  },
};
