import type { Channel } from "../domain/notification.js";
import { defaultsCategory, emptyPreferences, type Preferences, type PreferencesPatch } from "../domain/preferences.js";
import { type Database, execute, queryRows, type Tx } from "./database.js";

interface PreferenceRow {
  user_id: string;
  category: string;
  channel: Channel;
  enabled: boolean;
}

function collect(rows: PreferenceRow[], userIds: string[]): Map<string, Preferences> {
  const byUser = new Map(userIds.map((u) => [u, emptyPreferences(u)]));
  for (const row of rows) {
    const prefs = byUser.get(row.user_id);
    if (prefs === undefined) continue;
    if (row.category === defaultsCategory) {
      prefs.defaults[row.channel] = row.enabled;
    } else {
      prefs.categories[row.category] ??= {};
      (prefs.categories[row.category] as Record<string, boolean>)[row.channel] = row.enabled;
    }
  }
  return byUser;
}

/** Channel settings, one row per (user, category, channel); category `*` holds defaults. */
export class PreferenceStore {
  constructor(private readonly db: Database) {}

  async get(userId: string, tx?: Tx): Promise<Preferences> {
    const rows = await queryRows<PreferenceRow>(
      this.db,
      "SELECT user_id, category, channel, enabled FROM preferences WHERE user_id = $1",
      [userId],
      tx,
    );
    return collect(rows, [userId]).get(userId) ?? emptyPreferences(userId);
  }

  /** Every setting of these users; users without any get empty preferences. */
  async forUsers(userIds: string[], tx?: Tx): Promise<Map<string, Preferences>> {
    const rows = await queryRows<PreferenceRow>(
      this.db,
      "SELECT user_id, category, channel, enabled FROM preferences WHERE user_id = ANY($1::text[])",
      [userIds],
      tx,
    );
    return collect(rows, userIds);
  }

  /**
   * The settings that matter for sending `category` to each user: their
   * defaults and that category's overrides (other categories are left out).
   */
  async forCategory(userIds: string[], category: string, tx?: Tx): Promise<Map<string, Preferences>> {
    const rows = await queryRows<PreferenceRow>(
      this.db,
      `SELECT user_id, category, channel, enabled FROM preferences
       WHERE user_id = ANY($1::text[]) AND category IN ($2, '${defaultsCategory}')`,
      [userIds, category],
      tx,
    );
    return collect(rows, userIds);
  }

  /**
   * Serialises changes to one user's preferences until `tx` ends, so a cap on
   * their categories holds under concurrent updates.
   */
  async lockUser(tx: Tx, userId: string): Promise<void> {
    await queryRows(
      this.db,
      "SELECT pg_advisory_xact_lock(hashtextextended('herald.preferences:' || $1, 0))",
      [userId],
      tx,
    );
  }

  /** How many categories a user has settings for (their defaults not counted). */
  async categoryCount(tx: Tx, userId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      this.db,
      `SELECT count(DISTINCT category)::int AS n FROM preferences WHERE user_id = $1 AND category <> '${defaultsCategory}'`,
      [userId],
      tx,
    );
    return row?.n ?? 0;
  }

  /** Applies a patch: resets first, then upserts every named channel. */
  async patch(tx: Tx, userId: string, patch: PreferencesPatch): Promise<void> {
    if (patch.resetCategories.length > 0) {
      await execute(
        this.db,
        "DELETE FROM preferences WHERE user_id = $1 AND category = ANY($2::text[])",
        [userId, patch.resetCategories],
        tx,
      );
    }
    const entries: Array<[string, string, boolean]> = [];
    for (const [channel, enabled] of Object.entries(patch.defaults)) {
      if (enabled !== undefined) entries.push([defaultsCategory, channel, enabled]);
    }
    for (const [category, settings] of Object.entries(patch.categories)) {
      for (const [channel, enabled] of Object.entries(settings)) {
        if (enabled !== undefined) entries.push([category, channel, enabled]);
      }
    }
    if (entries.length === 0) return;
    await execute(
      this.db,
      `INSERT INTO preferences (user_id, category, channel, enabled)
       SELECT $1, c, ch, e FROM unnest($2::text[], $3::text[], $4::boolean[]) AS t(c, ch, e)
       ON CONFLICT (user_id, category, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
      [userId, entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2])],
      tx,
    );
  }
}
