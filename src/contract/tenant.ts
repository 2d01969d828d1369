import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type TenantApiKey as TenantApiKeyPb,
  TenantApiKeySchema,
  type Tenant as TenantPb,
  TenantSchema,
  type TenantSettings as TenantSettingsPb,
} from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { maskTenantSettings, type TenantSettings } from "../domain/tenant-settings.js";
import type { ApiKeyRecord } from "../store/api-key-store.js";
import type { TenantRecord } from "../store/tenant-store.js";
import { channelFromPb, channelToPb } from "./notification.js";

/** A request's settings as the domain's (what protovalidate left to check is checked by the use case). */
export function tenantSettingsFromPb(s: TenantSettingsPb): TenantSettings {
  const { email, providers, limits } = s;
  return {
    defaultPreferences: s.defaultPreferences.map((p, i) => {
      const channel = channelFromPb(p.channel);
      if (channel === undefined) {
        throw new InvalidArgumentError(`settings.default_preferences[${i}].channel`, "must name a channel");
      }
      return { category: p.category, channel, enabled: p.enabled };
    }),
    requiredCategories: [...s.requiredCategories],
    email:
      email === undefined
        ? null
        : {
            fromAddress: email.fromAddress,
            replyTo: email.replyTo,
            branding:
              email.branding === undefined
                ? null
                : {
                    logoUrl: email.branding.logoUrl,
                    primaryColor: email.branding.primaryColor,
                    footerText: email.branding.footerText,
                  },
          },
    providers: {
      smtp: providers?.smtp === undefined ? null : { url: providers.smtp.url },
      twilio:
        providers?.twilio === undefined
          ? null
          : {
              accountSid: providers.twilio.accountSid,
              authToken: providers.twilio.authToken,
              from: providers.twilio.from,
            },
    },
    limits: {
      requestsPerSecond: limits?.requestsPerSecond ?? 0,
      notificationsPerDay: limits?.notificationsPerDay ?? 0,
      fanoutsInFlight: limits?.fanoutsInFlight ?? 0,
    },
  };
}

/** A tenant for a response: secrets masked. */
export function tenantToPb(t: TenantRecord): TenantPb {
  const s = maskTenantSettings(t.settings);
  const { smtp, twilio } = s.providers;
  return create(TenantSchema, {
    id: t.id,
    name: t.name,
    settings: {
      defaultPreferences: s.defaultPreferences.map((p) => ({
        category: p.category,
        channel: channelToPb(p.channel),
        enabled: p.enabled,
      })),
      requiredCategories: s.requiredCategories,
      ...(s.email !== null && {
        email: {
          fromAddress: s.email.fromAddress,
          replyTo: s.email.replyTo,
          ...(s.email.branding !== null && { branding: s.email.branding }),
        },
      }),
      providers: {
        ...(smtp !== null && { smtp }),
        ...(twilio !== null && { twilio }),
      },
      limits: s.limits,
    },
    createTime: timestampFromDate(t.createdAt),
    updateTime: timestampFromDate(t.updatedAt),
  });
}

export function tenantApiKeyToPb(k: ApiKeyRecord): TenantApiKeyPb {
  return create(TenantApiKeySchema, {
    id: k.id,
    tenantId: k.tenantId,
    name: k.name,
    scopes: k.scopes,
    createTime: timestampFromDate(k.createdAt),
    ...(k.lastUsedAt !== null && { lastUsedTime: timestampFromDate(k.lastUsedAt) }),
    ...(k.revokedAt !== null && { revokeTime: timestampFromDate(k.revokedAt) }),
  });
}
