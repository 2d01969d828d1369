import type { Channel } from "../domain/notification.js";
import {
  type ChannelPreferences,
  defaultsCategory,
  emptyPreferences,
  type PreferencesPatch,
} from "../domain/preferences.js";
import type { Queryable } from "./database.js";

interface PreferenceRow {
  user_id: string;
  category: string;
  channel: Channel;
  enabled: boolean;
}

function collect(rows: PreferenceRow[], userIds: readonly string[]): Map<string, ChannelPreferences> {
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

/** Channel settings, one row per (tenant, user, category, channel); category `*` holds defaults. */
export const preferenceStore = {
  async get(q: Queryable, tenantId: string, userId: string): Promise<ChannelPreferences> {
    const rows = await q.rows<PreferenceRow>(
      "SELECT user_id, category, channel, enabled FROM preferences WHERE tenant_id = $1 AND user_id = $2",
      [tenantId, userId],
    );
    return collect(rows, [userId]).get(userId) ?? emptyPreferences(userId);
  },

  /** Every setting of these users; users without any get empty preferences. */
  async forUsers(q: Queryable, tenantId: string, userIds: readonly string[]): Promise<Map<string, ChannelPreferences>> {
    const rows = await q.rows<PreferenceRow>(
      "SELECT user_id, category, channel, enabled FROM preferences WHERE tenant_id = $1 AND user_id = ANY($2::text[])",
      [tenantId, userIds],
    );
    return collect(rows, userIds);
  },

  /**
   * The settings that matter for sending `category` to each user: their
   * defaults and that category's overrides (other categories are left out).
   */
  async forCategory(
    q: Queryable,
    tenantId: string,
    userIds: readonly string[],
    category: string,
  ): Promise<Map<string, ChannelPreferences>> {
    const rows = await q.rows<PreferenceRow>(
      `SELECT user_id, category, channel, enabled FROM preferences
       WHERE tenant_id = $1 AND user_id = ANY($2::text[]) AND category IN ($3, '${defaultsCategory}')`,
      [tenantId, userIds, category],
    );
    return collect(rows, userIds);
  },

  /**
   * Serialises changes to one user's preferences until `tx` ends, so a cap on
   * their categories holds under concurrent updates.
   */
  async lockUser(q: Queryable, tenantId: string, userId: string): Promise<void> {
    await q.rows("SELECT pg_advisory_xact_lock(hashtextextended('herald.preferences:' || $1 || '/' || $2, 0))", [
      tenantId,
      userId,
    ]);
  },

  /** How many categories a user has settings for (their defaults not counted). */
  async categoryCount(q: Queryable, tenantId: string, userId: string): Promise<number> {
    const [row] = await q.rows<{ n: number }>(
      `SELECT count(DISTINCT category)::int AS n FROM preferences
       WHERE tenant_id = $1 AND user_id = $2 AND category <> '${defaultsCategory}'`,
      [tenantId, userId],
    );
    return row?.n ?? 0;
  },

  /** Applies a patch: resets first, then upserts every named channel. */
  async patch(q: Queryable, tenantId: string, userId: string, patch: PreferencesPatch): Promise<void> {
    if (patch.resetCategories.length > 0) {
      await q.exec("DELETE FROM preferences WHERE tenant_id = $1 AND user_id = $2 AND category = ANY($3::text[])", [
        tenantId,
        userId,
        patch.resetCategories,
      ]);
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
    await q.exec(
      `INSERT INTO preferences (tenant_id, user_id, category, channel, enabled)
       SELECT $5, $1, c, ch, e FROM unnest($2::text[], $3::text[], $4::boolean[]) AS t(c, ch, e)
       ON CONFLICT (tenant_id, user_id, category, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
      [userId, entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2]), tenantId],
    );
  },
};

export type PreferenceStore = typeof preferenceStore;
