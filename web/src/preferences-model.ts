import type { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { ChannelSchema } from "../../gen/ts/herald/v1/notification_pb.js";
import type { ChannelSettings, Preferences } from "../../gen/ts/herald/v1/preferences_pb.js";
import { ChannelSettingsSchema } from "../../gen/ts/herald/v1/preferences_pb.js";

/**
 * A channel the server offers, as the page shows it: its id (the Channel
 * enum's name without CHANNEL_, lowercase: `in_app`, `email`, `slack`), its
 * label, and where ChannelSettings keeps its setting (a field of its own for
 * the first channels, the `channels` map for the others). The server says
 * which channels it offers (GetPreferencesResponse.channels); the page keeps
 * no list of its own.
 */
export interface ChannelColumn {
  id: string;
  label: string;
  /** ChannelSettings's field for this channel, or null when it is in the `channels` map. */
  field: keyof ChannelSettings | null;
}

export function channelColumns(offered: readonly Channel[]): ChannelColumn[] {
  return offered.flatMap((value) => {
    const name = ChannelSchema.values.find((v) => v.number === value)?.name;
    if (name === undefined) return [];
    const id = name.replace(/^CHANNEL_/, "").toLowerCase();
    const field = ChannelSettingsSchema.fields.find((f) => f.name === id);
    return [{ id, label: labelOf(id), field: (field?.localName as keyof ChannelSettings | undefined) ?? null }];
  });
}

/** Channels whose id does not read as a label. */
const labels: Record<string, string> = { webpush: "Browser" };

/** "in_app" -> "In-app", "sms" -> "SMS", "slack" -> "Slack", "webpush" -> "Browser". */
function labelOf(id: string): string {
  if (labels[id] !== undefined) return labels[id];
  if (id.length <= 3) return id.toUpperCase();
  const words = id.split("_");
  return [words[0] ?? "", ...words.slice(1)].join("-").replace(/^./, (c) => c.toUpperCase());
}

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

function settingOf(settings: ChannelSettings | undefined, column: ChannelColumn): boolean | undefined {
  if (settings === undefined) return undefined;
  if (column.field === null) return settings.channels[column.id];
  const value = settings[column.field];
  return typeof value === "boolean" ? value : undefined;
}

/**
 * The effective setting of one channel, as Herald decides it: the category's
 * own setting, else the user's default, else on. `category` null is the
 * defaults row.
 */
export function cell(prefs: Preferences | undefined, category: string | null, column: ChannelColumn): Cell {
  const own = category === null ? prefs?.defaults : prefs?.categories[category];
  const value = settingOf(own, column);
  if (value !== undefined) return { on: value, inherited: false };
  const fallback = category === null ? undefined : settingOf(prefs?.defaults, column);
  return { on: fallback ?? true, inherited: true };
}

/** The UpdatePreferences patch that sets one channel of one row, leaving every other setting alone. */
export function togglePatch(category: string | null, column: ChannelColumn, on: boolean) {
  const settings = column.field === null ? { channels: { [column.id]: on } } : { [column.field]: on };
  return category === null ? { defaults: settings } : { categories: { [category]: settings } };
}

/** The categories that have settings, sorted, plus those added on the page but not saved yet. */
export function categoryRows(prefs: Preferences | undefined, added: Iterable<string>): string[] {
  return [...new Set([...Object.keys(prefs?.categories ?? {}), ...added])].sort();
}
