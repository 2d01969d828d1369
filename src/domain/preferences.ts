import { type Channel, channelIds } from "./channel.js";
import type { TenantSettings } from "./tenant-settings.js";
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
 * What a user's tenant decides about preferences: the categories whose
 * critical notifications ignore opt-outs (the deployment's REQUIRED_CATEGORIES
 * and the tenant's `required_categories`), and the tenant's
 * `default_preferences`, for users who set nothing themselves.
 */
export interface PreferencePolicy {
  requiredCategories: readonly string[];
  defaults: ReadonlyArray<{ category: string; channel: Channel; enabled: boolean }>;
}

/** The policy for a tenant's users: the deployment's required categories plus the tenant's settings (if any). */
export function preferencePolicy(
  deploymentRequired: readonly string[],
  settings: TenantSettings | undefined,
): PreferencePolicy {
  if (settings === undefined) return { requiredCategories: deploymentRequired, defaults: [] };
  const extra = settings.requiredCategories.filter((c) => !deploymentRequired.includes(c));
  return {
    requiredCategories: extra.length === 0 ? deploymentRequired : [...deploymentRequired, ...extra],
    defaults: settings.defaultPreferences,
  };
}

/**
 * Whether `channel` is on for `category`: the category's own setting, else the
 * user's default, else the tenant's default for the category (the most
 * specific: `marketing.weekly` before `marketing`), else on. Opt-out is the
 * user's choice: what they set always wins; a tenant's default only stands in
 * where they set nothing.
 */
export function isChannelEnabled(
  prefs: ChannelPreferences,
  category: string,
  channel: Channel,
  tenantDefaults: PreferencePolicy["defaults"] = [],
): boolean {
  return (
    prefs.categories[category]?.[channel] ?? prefs.defaults[channel] ?? tenantDefault(tenantDefaults, category, channel)
  );
}

/** The tenant's default for `channel` in `category` or the nearest category above it; on without one. */
function tenantDefault(defaults: PreferencePolicy["defaults"], category: string, channel: Channel): boolean {
  let best: { category: string; enabled: boolean } | undefined;
  for (const d of defaults) {
    if (d.channel !== channel || !isRequiredCategory(category, [d.category])) continue;
    if (best === undefined || d.category.length > best.category.length) best = d;
  }
  return best?.enabled ?? true;
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
 * Whether a notification goes out on `channel`: the user's preferences (or
 * their tenant's defaults) decide, except that critical notifications in
 * required categories (security, billing...; the deployment's and the
 * tenant's) ignore opt-outs.
 */
export function isDeliveryWanted(
  prefs: ChannelPreferences,
  n: { category: string; priority: string },
  channel: Channel,
  policy: PreferencePolicy,
): boolean {
  if (n.priority === "critical" && isRequiredCategory(n.category, policy.requiredCategories)) return true;
  return isChannelEnabled(prefs, n.category, channel, policy.defaults);
}
