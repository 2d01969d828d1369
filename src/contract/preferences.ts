import { create } from "@bufbuild/protobuf";
import {
  type ChannelSettings as ChannelSettingsPb,
  ChannelSettingsSchema,
  type Preferences as PreferencesPb,
  PreferencesSchema,
} from "../../gen/ts/herald/v1/preferences_pb.js";
import type { ChannelSettings, Preferences } from "../domain/preferences.js";

export function channelSettingsFromPb(pb: ChannelSettingsPb | undefined): ChannelSettings {
  const settings: ChannelSettings = {};
  if (pb === undefined) return settings;
  if (pb.inApp !== undefined) settings.in_app = pb.inApp;
  if (pb.email !== undefined) settings.email = pb.email;
  if (pb.sms !== undefined) settings.sms = pb.sms;
  if (pb.push !== undefined) settings.push = pb.push;
  if (pb.webhook !== undefined) settings.webhook = pb.webhook;
  return settings;
}

export function channelSettingsToPb(settings: ChannelSettings): ChannelSettingsPb {
  return create(ChannelSettingsSchema, {
    inApp: settings.in_app,
    email: settings.email,
    sms: settings.sms,
    push: settings.push,
    webhook: settings.webhook,
  });
}

export function preferencesToPb(prefs: Preferences): PreferencesPb {
  return create(PreferencesSchema, {
    userId: prefs.userId,
    defaults: channelSettingsToPb(prefs.defaults),
    categories: Object.fromEntries(
      Object.entries(prefs.categories).map(([category, s]) => [category, channelSettingsToPb(s)]),
    ),
  });
}
