import type { Preferences, PreferencesPatch } from "../domain/preferences.js";
import type { Principal } from "../domain/principal.js";
import type { Transactor } from "../store/database.js";
import type { PreferenceCache } from "../store/preference-cache.js";
import { resolveUserId } from "./access.js";

/** GetPreferences and UpdatePreferences. */
export function createManagePreferences(deps: { db: Transactor; preferences: PreferenceCache }) {
  return {
    async get(principal: Principal, userId: string): Promise<Preferences> {
      return deps.preferences.get(resolveUserId(principal, userId, "read", "read preferences"));
    },

    /** Applies a patch and returns the result, both in one transaction. */
    async update(principal: Principal, userId: string, patch: PreferencesPatch): Promise<Preferences> {
      const id = resolveUserId(principal, userId, "admin", "change preferences");
      const updated = await deps.db.run(async (tx) => {
        await deps.preferences.patch(tx, id, patch);
        return deps.preferences.get(id, tx);
      });
      // Committed: every process's cached copy must go.
      deps.preferences.changed(id);
      return updated;
    },
  };
}
