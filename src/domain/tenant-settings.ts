import type { Channel } from "./channel.js";
import { InvalidArgumentError } from "./errors.js";

/**
 * One tenant's own settings (tenants.settings, jsonb). Every part is
 * optional: what is absent follows the deployment's configuration. Secrets
 * (the SMTP password inside `smtp.url`, Twilio's `authToken`) are stored as
 * given and never returned: see `maskTenantSettings`.
 */
export interface TenantSettings {
  /** Where a user has no preference of their own for the category and channel. */
  defaultPreferences: Array<{ category: string; channel: Channel; enabled: boolean }>;
  /** Categories the tenant's users cannot opt out of (on top of REQUIRED_CATEGORIES). */
  requiredCategories: string[];
  email: {
    fromAddress: string;
    replyTo: string;
    /** The layout around every email template of the tenant. */
    branding: { logoUrl: string; primaryColor: string; footerText: string } | null;
  } | null;
  providers: {
    smtp: { url: string } | null;
    twilio: { accountSid: string; authToken: string; from: string } | null;
  };
  /**
   * The tenant's own limits over all its callers; 0 = the deployment's
   * (RATE_LIMIT_TENANT_PER_SECOND, TENANT_NOTIFICATIONS_PER_DAY,
   * FANOUTS_IN_FLIGHT_PER_TENANT).
   */
  limits: { requestsPerSecond: number; notificationsPerDay: number; fanoutsInFlight: number };
}

/** Settings as Get and List return them: secrets replaced by whether one is stored. */
export interface MaskedTenantSettings extends Omit<TenantSettings, "providers"> {
  providers: {
    smtp: { url: string; hasPassword: boolean } | null;
    twilio: { accountSid: string; from: string; hasAuthToken: boolean } | null;
  };
}

export const emptyTenantSettings: TenantSettings = {
  defaultPreferences: [],
  requiredCategories: [],
  email: null,
  providers: { smtp: null, twilio: null },
  limits: { requestsPerSecond: 0, notificationsPerDay: 0, fanoutsInFlight: 0 },
};

const categoryPattern = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const colorPattern = /^#[0-9a-fA-F]{6}$/;
const twilioSidPattern = /^AC[0-9a-fA-F]{32}$/;
// An address, alone or as `Name <address>`: enough to catch mistakes, not RFC 5322.
const emailPattern = /^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/;

/**
 * Checks what protovalidate cannot (URLs, addresses, duplicates, a password
 * without a user); `field` errors name the request's field path.
 */
export function validateTenantSettings(s: TenantSettings, at = "settings"): void {
  const seen = new Set<string>();
  s.defaultPreferences.forEach((p, i) => {
    const field = `${at}.default_preferences[${i}]`;
    if (!categoryPattern.test(p.category) || p.category.length > 100) {
      throw new InvalidArgumentError(`${field}.category`, "must be a category such as `billing` or `order.shipped`");
    }
    const key = `${p.category}/${p.channel}`;
    if (seen.has(key)) throw new InvalidArgumentError(field, `repeats ${p.category} on ${p.channel}`);
    seen.add(key);
  });
  if (s.defaultPreferences.length > 200) throw new InvalidArgumentError(`${at}.default_preferences`, "at most 200");
  if (s.requiredCategories.length > 100) throw new InvalidArgumentError(`${at}.required_categories`, "at most 100");
  s.requiredCategories.forEach((c, i) => {
    if (!categoryPattern.test(c)) throw new InvalidArgumentError(`${at}.required_categories[${i}]`, "is no category");
  });
  if (s.email !== null) validateEmail(s.email, `${at}.email`);
  const { smtp, twilio } = s.providers;
  if (smtp !== null) validateSmtpUrl(smtp.url, `${at}.providers.smtp.url`);
  if (twilio !== null) {
    if (!twilioSidPattern.test(twilio.accountSid)) {
      throw new InvalidArgumentError(`${at}.providers.twilio.account_sid`, "must be AC and 32 hexadecimal digits");
    }
    if (twilio.authToken === "") throw new InvalidArgumentError(`${at}.providers.twilio.auth_token`, "is required");
    if (!/^(\+[1-9][0-9]{6,14}|MG[0-9a-fA-F]{32})$/.test(twilio.from)) {
      throw new InvalidArgumentError(`${at}.providers.twilio.from`, "must be an E.164 number or an MG… service sid");
    }
  }
  const { limits } = s;
  const bounds = { requestsPerSecond: 100_000, notificationsPerDay: 1_000_000_000, fanoutsInFlight: 1_000 };
  for (const [name, max] of Object.entries(bounds) as Array<[keyof typeof bounds, number]>) {
    const v = limits[name];
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new InvalidArgumentError(`${at}.limits.${snake(name)}`, `must be 0 to ${max}`);
    }
  }
}

function validateEmail(email: NonNullable<TenantSettings["email"]>, at: string): void {
  if (email.fromAddress !== "" && !emailPattern.test(email.fromAddress)) {
    throw new InvalidArgumentError(`${at}.from_address`, "must be an address, or `Name <address>`");
  }
  if (email.replyTo !== "" && !emailPattern.test(email.replyTo)) {
    throw new InvalidArgumentError(`${at}.reply_to`, "must be an address");
  }
  const b = email.branding;
  if (b === null) return;
  if (b.logoUrl !== "" && !isUrl(b.logoUrl, ["https:"])) {
    throw new InvalidArgumentError(`${at}.branding.logo_url`, "must be an https URL");
  }
  if (b.primaryColor !== "" && !colorPattern.test(b.primaryColor)) {
    throw new InvalidArgumentError(`${at}.branding.primary_color`, "must be #rrggbb");
  }
  if (b.footerText.length > 1000) throw new InvalidArgumentError(`${at}.branding.footer_text`, "at most 1000 chars");
}

function validateSmtpUrl(url: string, field: string): void {
  if (!isUrl(url, ["smtp:", "smtps:"])) throw new InvalidArgumentError(field, "must be an smtp:// or smtps:// URL");
  const u = new URL(url);
  if (u.password !== "" && u.username === "") throw new InvalidArgumentError(field, "has a password but no user");
}

function isUrl(value: string, protocols: string[]): boolean {
  if (value.length > 2048 || !URL.canParse(value)) return false;
  const u = new URL(value);
  return protocols.includes(u.protocol) && u.hostname !== "";
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The settings without secrets, for Get and List. */
export function maskTenantSettings(s: TenantSettings): MaskedTenantSettings {
  const { smtp, twilio } = s.providers;
  return {
    ...s,
    providers: {
      smtp: smtp === null ? null : { url: withoutPassword(smtp.url), hasPassword: new URL(smtp.url).password !== "" },
      twilio:
        twilio === null
          ? null
          : { accountSid: twilio.accountSid, from: twilio.from, hasAuthToken: twilio.authToken !== "" },
    },
  };
}

function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = "";
  return u.toString();
}

/**
 * Replacement settings with the stored secrets kept where the caller left a
 * secret empty for the same account (write-only secrets cannot be sent back):
 * the SMTP password for the same host, port and user, Twilio's auth token
 * for the same account sid.
 */
export function keepStoredSecrets(next: TenantSettings, stored: TenantSettings): TenantSettings {
  let { smtp, twilio } = next.providers;
  const old = stored.providers;
  if (smtp !== null && old.smtp !== null && URL.canParse(smtp.url)) {
    const n = new URL(smtp.url);
    const o = new URL(old.smtp.url);
    if (n.password === "" && o.password !== "" && n.username === o.username && n.host === o.host) {
      n.password = o.password;
      smtp = { url: n.toString() };
    }
  }
  if (
    twilio !== null &&
    old.twilio !== null &&
    twilio.authToken === "" &&
    twilio.accountSid === old.twilio.accountSid
  ) {
    twilio = { ...twilio, authToken: old.twilio.authToken };
  }
  return { ...next, providers: { smtp, twilio } };
}

/** Stored settings (jsonb, possibly `{}` from before settings existed) as a whole TenantSettings. */
export function tenantSettingsFromJson(json: unknown): TenantSettings {
  const s = (json ?? {}) as Partial<TenantSettings>;
  return {
    defaultPreferences: s.defaultPreferences ?? [],
    requiredCategories: s.requiredCategories ?? [],
    email: s.email ?? null,
    providers: { smtp: s.providers?.smtp ?? null, twilio: s.providers?.twilio ?? null },
    limits: { ...emptyTenantSettings.limits, ...s.limits },
  };
}
