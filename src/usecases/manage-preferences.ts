import type { Channel } from "../domain/channel.js";
import { InvalidArgumentError, ResourceExhaustedError } from "../domain/errors.js";
import type { Preferences, PreferencesPatch } from "../domain/preferences.js";
import type { Principal } from "../domain/principal.js";
import type { Database, Queryable } from "../store/database.js";
import type { PreferenceCache } from "../store/preference-cache.js";
import { preferenceStore } from "../store/preference-store.js";
import { quietHoursStore } from "../store/quiet-hours-store.js";
import { isEmptyWindow, isValidTimeZone } from "../workflows/local-time.js";
import { resolveUserId } from "./access.js";

/** GetPreferences and UpdatePreferences, in the caller's tenant. */
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
      const id = resolveUserId(principal, userId, "read", "read preferences");
      // Channel settings through the cache (every Send reads them); quiet hours
      // are not cached (see preference-cache.ts) and come from the pool.
      const [channels, quietHours] = await Promise.all([
        deps.preferences.get(principal.tenantId, id),
        quietHoursStore.get(deps.db, principal.tenantId, id),
      ]);
      return { ...channels, quietHours };
    },

    /**
     * Applies a patch and returns the result, both in one transaction. A patch
     * that would leave the user with more categories than allowed (and more
     * than before) changes nothing.
     */
    async update(principal: Principal, userId: string, patch: PreferencesPatch): Promise<Preferences> {
      const id = resolveUserId(principal, userId, "admin", "change preferences");
      checkQuietHours(patch, deps.channels);
      const { tenantId } = principal;
      const mayGrow = Object.keys(patch.categories).length > 0;
      const updated = await deps.db.transaction(async (tx) => {
        if (mayGrow) await preferenceStore.lockUser(tx, tenantId, id);
        const before = mayGrow ? await preferenceStore.categoryCount(tx, tenantId, id) : 0;
        await preferenceStore.patch(tx, tenantId, id, patch);
        if (mayGrow) {
          const after = await preferenceStore.categoryCount(tx, tenantId, id);
          if (after > deps.maxCategories && after > before) {
            throw new ResourceExhaustedError(
              `categories: a user may have preferences for at most ${deps.maxCategories} categories; this change would make ${after} (reset some first)`,
            );
          }
        }
        await applyQuietHours(tx, tenantId, id, patch);
        return {
          ...(await preferenceStore.get(tx, tenantId, id)),
          quietHours: await quietHoursStore.get(tx, tenantId, id),
        };
      });
      // Committed: every process's cached copy (of channel settings) must go.
      deps.preferences.changed(tenantId, id);
      return updated;
    },
  };
}

/**
 * Refuses a quiet-hours change that cannot mean what the caller wants, before
 * anything is written: protovalidate checked ranges and enum values, but not
 * what depends on this server (its channels) or on tzdata.
 */
function checkQuietHours(patch: PreferencesPatch, offered: readonly Channel[]): void {
  const qh = patch.quietHours;
  if (qh === null) return;
  if (patch.clearQuietHours) {
    throw new InvalidArgumentError("clear_quiet_hours", "cannot be combined with quiet_hours (set one or the other)");
  }
  if (qh.timezone !== "" && !isValidTimeZone(qh.timezone)) {
    throw new InvalidArgumentError(
      "quiet_hours.timezone",
      `"${qh.timezone}" is not an IANA time zone (such as Europe/Berlin); leave it empty for the recipient's`,
    );
  }
  qh.channels.forEach((channel, i) => {
    if (!offered.includes(channel)) {
      throw new InvalidArgumentError(
        `quiet_hours.channels[${i}]`,
        `${channel} is not offered by this server; it offers ${offered.join(", ")}`,
      );
    }
  });
  // The contract reads end <= start as spanning midnight, which would make
  // start == end a whole day of quiet; local-time.ts reads it as empty. Neither
  // is worth storing: the caller meant something else, or clear_quiet_hours.
  if (isEmptyWindow(qh.window)) {
    throw new InvalidArgumentError(
      "quiet_hours.window",
      "start and end are the same time; use clear_quiet_hours to turn quiet hours off",
    );
  }
}

async function applyQuietHours(
  tx: Queryable,
  tenantId: string,
  userId: string,
  patch: PreferencesPatch,
): Promise<void> {
  if (patch.quietHours !== null) await quietHoursStore.set(tx, tenantId, userId, patch.quietHours);
  else if (patch.clearQuietHours) await quietHoursStore.clear(tx, tenantId, userId);
}
