import type { ChannelPreferences } from "../domain/preferences.js";
import { emptyPreferences } from "../domain/preferences.js";
import { userKey } from "../domain/tenant.js";
import type { Broadcast } from "../messaging/broadcast.js";
import type { Queryable } from "./database.js";
import { preferenceStore } from "./preference-store.js";

export interface PreferenceCacheOptions {
  /** Where uncached preferences are read (the pool; never a transaction, whose view may not commit). */
  db: Queryable;
  /** Tells every Herald process that a user's preferences changed (as a `userKey`, `<tenant>/<user>`), and hears the others. */
  broadcast: Broadcast;
  /** Longest a cached entry is trusted, in case an announcement was lost. */
  ttlMs?: number;
  /** Most users kept. */
  maxUsers?: number;
}

/**
 * Every Send and every delivery asks for preferences, which rarely change: this
 * keeps each user's channel settings in memory. Quiet hours are not cached
 * here: Send and delivery never read them, so loading them with every miss
 * would cost each Send a second query for nothing; GetPreferences and the
 * workflow engine read them from quiet-hours-store, always fresh. A change is announced to every process
 * (this one included), which drops its copy; if an announcement is lost (NATS
 * down), entries still expire after `ttlMs`. Entries and announcements are
 * keyed by tenant and user (`userKey`): the same user id in two tenants is
 * two people.
 */
export function createPreferenceCache(options: PreferenceCacheOptions) {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxUsers = options.maxUsers ?? 100_000;
  // Keyed by userKey(tenant, user).
  const entries = new Map<string, { prefs: ChannelPreferences; until: number }>();
  options.broadcast.listen((key) => entries.delete(key));

  async function forUsers(tenantId: string, userIds: readonly string[]): Promise<Map<string, ChannelPreferences>> {
    const now = Date.now();
    const found = new Map<string, ChannelPreferences>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const entry = entries.get(userKey(tenantId, userId));
      if (entry !== undefined && entry.until > now) found.set(userId, entry.prefs);
      else missing.push(userId);
    }
    if (missing.length > 0) {
      const loaded = await preferenceStore.forUsers(options.db, tenantId, missing);
      if (entries.size + missing.length > maxUsers) entries.clear();
      for (const userId of missing) {
        const prefs = loaded.get(userId) ?? emptyPreferences(userId);
        entries.set(userKey(tenantId, userId), { prefs, until: now + ttlMs });
        found.set(userId, prefs);
      }
    }
    return found;
  }

  return {
    forUsers,

    /** The settings that matter for `category` (a user's defaults and that category's). */
    async forCategory(
      tenantId: string,
      userIds: readonly string[],
      category: string,
    ): Promise<Map<string, ChannelPreferences>> {
      const all = await forUsers(tenantId, userIds);
      return new Map(
        [...all].map(([userId, p]) => [
          userId,
          {
            userId,
            defaults: p.defaults,
            categories: category in p.categories ? { [category]: p.categories[category] ?? {} } : {},
          },
        ]),
      );
    },

    async get(tenantId: string, userId: string): Promise<ChannelPreferences> {
      return (await forUsers(tenantId, [userId])).get(userId) ?? emptyPreferences(userId);
    },

    /** Call after a committed change: every process (this one too) drops its copy of this tenant's user. */
    changed(tenantId: string, userId: string): void {
      const key = userKey(tenantId, userId);
      entries.delete(key);
      options.broadcast.send(key);
    },
  };
}

export type PreferenceCache = ReturnType<typeof createPreferenceCache>;
