import { type Channel, channelIds } from "./channel.js";
import type { QuietHours } from "./workflow.js";

/** Per-channel on/off; a missing channel inherits. */
export type ChannelSettings = Partial<Record<Channel, boolean>>;

/**
 * A user's channel settings: defaults for all categories and overrides per
 * category. What every Send and delivery reads (through the preference cache).
 */
export interface ChannelPreferences {
  userId: string;
  defaults: ChannelSettings;
  categories: Record<string, ChannelSettings>;
}

/** All of a user's settings, as GetPreferences shows them. */
export interface Preferences extends ChannelPreferences {
  /** The user's quiet hours; null for none. */
  quietHours: QuietHours | null;
}

/**
 * A patch: only the channels named change. `resetCategories` applies first.
 * Quiet hours are replaced whole (`quietHours`), removed (`clearQuietHours`),
 * or, with neither, left as they are.
 */
export interface PreferencesPatch {
  defaults: ChannelSettings;
  categories: Record<string, ChannelSettings>;
  resetCategories: string[];
  quietHours: QuietHours | null;
  clearQuietHours: boolean;
}

/** The category key under which a user's defaults are stored. */
export const defaultsCategory = "*";

/**
 * Whether `channel` is on for `category`: the category's own setting, else the
 * user's default, else on. Opt-out is the user's choice; nothing is off until
 * they say so.
 */
export function isChannelEnabled(prefs: ChannelPreferences, category: string, channel: Channel): boolean {
  return prefs.categories[category]?.[channel] ?? prefs.defaults[channel] ?? true;
}

export function emptyPreferences(userId: string): ChannelPreferences {
  return { userId, defaults: {}, categories: {} };
}

export function isChannel(value: string): value is Channel {
  return (channelIds as readonly string[]).includes(value);
}

/** Whether `category` is one of the required categories or below one (security covers security.login). */
export function isRequiredCategory(category: string, required: readonly string[]): boolean {
  return required.some((r) => category === r || category.startsWith(`${r}.`));
}

/**
 * Whether a notification goes out on `channel`: the user's preferences decide,
 * except that critical notifications in required categories (security,
 * billing...) ignore opt-outs.
 */
export function isDeliveryWanted(
  prefs: ChannelPreferences,
  n: { category: string; priority: string },
  channel: Channel,
  requiredCategories: readonly string[],
): boolean {
  if (n.priority === "critical" && isRequiredCategory(n.category, requiredCategories)) return true;
  return isChannelEnabled(prefs, n.category, channel);
}
