import { allChannels, type Channel } from "./notification.js";

/** Per-channel on/off; a missing channel inherits. */
export type ChannelSettings = Partial<Record<Channel, boolean>>;

/** A user's settings: defaults for all categories and overrides per category. */
export interface Preferences {
  userId: string;
  defaults: ChannelSettings;
  categories: Record<string, ChannelSettings>;
}

/** A patch: only the channels named change. `resetCategories` applies first. */
export interface PreferencesPatch {
  defaults: ChannelSettings;
  categories: Record<string, ChannelSettings>;
  resetCategories: string[];
}

/** The category key under which a user's defaults are stored. */
export const defaultsCategory = "*";

/**
 * Whether `channel` is on for `category`: the category's own setting, else the
 * user's default, else on. Opt-out is the user's choice; nothing is off until
 * they say so.
 */
export function isChannelEnabled(prefs: Preferences, category: string, channel: Channel): boolean {
  return prefs.categories[category]?.[channel] ?? prefs.defaults[channel] ?? true;
}

export function emptyPreferences(userId: string): Preferences {
  return { userId, defaults: {}, categories: {} };
}

export function isChannel(value: string): value is Channel {
  return (allChannels as readonly string[]).includes(value);
}
