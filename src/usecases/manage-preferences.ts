import type { Channel } from "../domain/channel.js";
import { ResourceExhaustedError } from "../domain/errors.js";
import type { Preferences, PreferencesPatch } from "../domain/preferences.js";
import type { Principal } from "../domain/principal.js";
import type { Database } from "../store/database.js";
import type { PreferenceCache } from "../store/preference-cache.js";
import { preferenceStore } from "../store/preference-store.js";
import { resolveUserId } from "./access.js";

/** GetPreferences and UpdatePreferences. */
export function createManagePreferences(deps: {
  db: Database;
  preferences: PreferenceCache;
  /** Most categories one user may have settings for (every Send and GetPreferences reads them all). */
  maxCategories: number;
  /** The channels this server offers, in the order to show them. */
  channels: readonly Channel[];
}) {
  return {
    /** The channels a preference page shows. */
    channels: () => deps.channels,

    async get(principal: Principal, userId: string): Promise<Preferences> {
      return deps.preferences.get(resolveUserId(principal, userId, "read", "read preferences"));
    },

    /**
     * Applies a patch and returns the result, both in one transaction. A patch
     * that would leave the user with more categories than allowed (and more
     * than before) changes nothing.
     */
    async update(principal: Principal, userId: string, patch: PreferencesPatch): Promise<Preferences> {
      const id = resolveUserId(principal, userId, "admin", "change preferences");
      const mayGrow = Object.keys(patch.categories).length > 0;
      const updated = await deps.db.transaction(async (tx) => {
        if (mayGrow) await preferenceStore.lockUser(tx, id);
        const before = mayGrow ? await preferenceStore.categoryCount(tx, id) : 0;
        await preferenceStore.patch(tx, id, patch);
        if (mayGrow) {
          const after = await preferenceStore.categoryCount(tx, id);
          if (after > deps.maxCategories && after > before) {
            throw new ResourceExhaustedError(
              `categories: a user may have preferences for at most ${deps.maxCategories} categories; this change would make ${after} (reset some first)`,
            );
          }
        }
        return preferenceStore.get(tx, id);
      });
      // Committed: every process's cached copy must go.
      deps.preferences.changed(id);
      return updated;
    },
  };
}
