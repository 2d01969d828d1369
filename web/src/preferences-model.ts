import type { ChannelSettings, Preferences } from "../../gen/ts/herald/v1/preferences_pb.js";

/** The channels a user can turn on or off, as ChannelSettings names them. */
export const channels = ["inApp", "email", "sms", "push", "webhook"] as const;
export type ChannelKey = (typeof channels)[number];

export const channelLabels: Record<ChannelKey, string> = {
  inApp: "In-app",
  email: "Email",
  sms: "SMS",
  push: "Push",
  webhook: "Webhook",
};

/** The same rule as the contract's `category` fields (`order.shipped`). */
const categoryPattern = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

export function isCategory(value: string): boolean {
  return value.length <= 128 && categoryPattern.test(value);
}

/** A cell of the table: whether the channel is on, and whether that comes from a row above. */
export interface Cell {
  on: boolean;
  inherited: boolean;
}

type Settings = Partial<Pick<ChannelSettings, ChannelKey>> | undefined;

/**
 * The effective setting of one channel, as Herald decides it: the category's
 * own setting, else the user's default, else on. `category` null is the
 * defaults row.
 */
export function cell(prefs: Preferences | undefined, category: string | null, channel: ChannelKey): Cell {
  const own: Settings = category === null ? prefs?.defaults : prefs?.categories[category];
  const value = own?.[channel];
  if (value !== undefined) return { on: value, inherited: false };
  const fallback = category === null ? undefined : prefs?.defaults?.[channel];
  return { on: fallback ?? true, inherited: true };
}

/** The UpdatePreferences patch that sets one channel of one row, leaving every other setting alone. */
export function togglePatch(category: string | null, channel: ChannelKey, on: boolean) {
  const settings = { [channel]: on };
  return category === null ? { defaults: settings } : { categories: { [category]: settings } };
}

/** The categories that have settings, sorted, plus those added on the page but not saved yet. */
export function categoryRows(prefs: Preferences | undefined, added: Iterable<string>): string[] {
  return [...new Set([...Object.keys(prefs?.categories ?? {}), ...added])].sort();
}
