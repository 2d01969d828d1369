import type { Preferences, PreferencesPatch } from "../domain/preferences.js";
import { emptyPreferences } from "../domain/preferences.js";
import type { Tx } from "./database.js";
import type { PreferenceStore } from "./preference-store.js";

export interface PreferenceCacheOptions {
  store: PreferenceStore;
  /** Tells every Herald process that a user's preferences changed (NATS); best effort. */
  announce: (userId: string) => void;
  /** Longest a cached entry is trusted, in case an announcement was lost. */
  ttlMs?: number;
  /** Most users kept. */
  maxUsers?: number;
}

/**
 * Every Send and every delivery asks for preferences, which rarely change: this
 * keeps each user's settings in memory. A change made here clears the entry at
 * once and is announced to the other processes (which clear theirs); if an
 * announcement is lost (NATS down), entries still expire after `ttlMs`.
 */
export function createPreferenceCache(options: PreferenceCacheOptions) {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxUsers = options.maxUsers ?? 100_000;
  const entries = new Map<string, { prefs: Preferences; until: number }>();

  const invalidate = (userId: string) => {
    entries.delete(userId);
  };

  async function forUsers(userIds: string[], tx?: Tx): Promise<Map<string, Preferences>> {
    const now = Date.now();
    const found = new Map<string, Preferences>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const entry = entries.get(userId);
      if (entry !== undefined && entry.until > now) found.set(userId, entry.prefs);
      else missing.push(userId);
    }
    if (missing.length > 0) {
      const loaded = await options.store.forUsers(missing, tx);
      if (entries.size + missing.length > maxUsers) entries.clear();
      for (const userId of missing) {
        const prefs = loaded.get(userId) ?? emptyPreferences(userId);
        // Inside a transaction the caller may see its own uncommitted change: do not keep that.
        if (tx === undefined) entries.set(userId, { prefs, until: now + ttlMs });
        found.set(userId, prefs);
      }
    }
    return found;
  }

  return {
    forUsers,

    /** The settings that matter for `category` (a user's defaults and that category's). */
    async forCategory(userIds: string[], category: string, tx?: Tx): Promise<Map<string, Preferences>> {
      const all = await forUsers(userIds, tx);
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

    async get(userId: string, tx?: Tx): Promise<Preferences> {
      return (await forUsers([userId], tx)).get(userId) ?? emptyPreferences(userId);
    },

    /** The store's lock on one user's preferences, for the length of `tx`. */
    lockUser: (tx: Tx, userId: string) => options.store.lockUser(tx, userId),

    /** How many categories a user has settings for, read from the store (inside `tx`). */
    categoryCount: (tx: Tx, userId: string) => options.store.categoryCount(tx, userId),

    async patch(tx: Tx, userId: string, patch: PreferencesPatch): Promise<void> {
      await options.store.patch(tx, userId, patch);
      invalidate(userId);
    },

    /** A change was committed (here, or announced by another process). */
    invalidate,

    /** Call after a committed change: clears here and tells the other processes. */
    changed(userId: string): void {
      invalidate(userId);
      options.announce(userId);
    },
  };
}

export type PreferenceCache = ReturnType<typeof createPreferenceCache>;
