import { create } from "@bufbuild/protobuf";
import {
  type ChannelSettings as ChannelSettingsPb,
  ChannelSettingsSchema,
  type Preferences as PreferencesPb,
  PreferencesSchema,
} from "../../gen/ts/herald/v1/preferences_pb.js";
import { channelIds } from "../domain/channel.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { ChannelSettings, Preferences } from "../domain/preferences.js";
import { quietHoursToPb } from "./workflow.js";

// The channels ChannelSettings has a field for (in_app, email...), by name; the
// others (newer ones) travel in its `channels` map.
const fields = new Map(
  channelIds.flatMap((id) => {
    const field = ChannelSettingsSchema.fields.find((f) => f.name === id);
    return field === undefined ? [] : [[id, field.localName as keyof ChannelSettingsPb] as const];
  }),
);

export function channelSettingsFromPb(pb: ChannelSettingsPb | undefined, path = "defaults"): ChannelSettings {
  const settings: ChannelSettings = {};
  if (pb === undefined) return settings;
  for (const [id, name] of fields) {
    const value = pb[name];
    if (typeof value === "boolean") settings[id] = value;
  }
  for (const [name, value] of Object.entries(pb.channels)) {
    const id = channelIds.find((c) => c === name && !fields.has(c));
    if (id === undefined) {
      throw new InvalidArgumentError(
        `${path}.channels["${name}"]`,
        fields.has(name as never)
          ? `is set with the field ${name}, not in channels`
          : `names no channel; channels takes ${channelIds.filter((c) => !fields.has(c)).join(", ") || "none on this server"}`,
      );
    }
    settings[id] = value;
  }
  return settings;
}

export function channelSettingsToPb(settings: ChannelSettings): ChannelSettingsPb {
  const pb = create(ChannelSettingsSchema);
  for (const [id, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const name = fields.get(id as never);
    if (name !== undefined) (pb as unknown as Record<string, boolean>)[name] = value;
    else pb.channels[id] = value;
  }
  return pb;
}

export function preferencesToPb(prefs: Preferences): PreferencesPb {
  return create(PreferencesSchema, {
    userId: prefs.userId,
    defaults: channelSettingsToPb(prefs.defaults),
    categories: Object.fromEntries(
      Object.entries(prefs.categories).map(([category, s]) => [category, channelSettingsToPb(s)]),
    ),
    quietHours: prefs.quietHours === null ? undefined : quietHoursToPb(prefs.quietHours),
  });
}
