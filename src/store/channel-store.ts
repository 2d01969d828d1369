import type { Queryable } from "./database.js";

/** The channel ids the database accepts (every channel column references them). */
export const channelStore = {
  /** Adds the channels this code knows; each process does so at start (idempotent). */
  async register(q: Queryable, ids: readonly string[]): Promise<void> {
    await q.exec("INSERT INTO channels (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING", [ids]);
  },
};
