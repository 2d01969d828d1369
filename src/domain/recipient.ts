import type { JsonObject } from "./notification.js";

/** The kinds of push device. */
export const Platform = { android: "android", ios: "ios", web: "web" } as const;
export type Platform = (typeof Platform)[keyof typeof Platform];

/** One place push notifications go. */
export interface Device {
  id: string;
  userId: string;
  platform: Platform;
  token: string;
  createdAt: Date;
}

/** What Herald needs to reach a user; empty strings mean "none". */
export interface Recipient {
  userId: string;
  /**
   * The user's address on each channel that sends to one, by channel id
   * (email: an address; sms: an E.164 number; slack: a member id...).
   */
  addresses: Record<string, string>;
  locale: string;
  timezone: string;
  devices: Device[];
  /** Custom attributes (plan, role, team...) that workflow conditions read; `{}` for none. */
  attributes: JsonObject;
  updatedAt: Date | null;
}

/**
 * A change to a recipient: only the fields (and addresses) present change; ""
 * clears one. Attributes are not merged: present, they replace the old ones.
 */
export interface RecipientPatch {
  addresses?: Record<string, string>;
  locale?: string;
  timezone?: string;
  /** Replaces the custom attributes as a whole; `{}` clears them. */
  attributes?: JsonObject;
}

/** The recipient of a user Herald knows nothing of. */
export function emptyRecipient(userId: string): Recipient {
  return { userId, addresses: {}, locale: "", timezone: "", devices: [], attributes: {}, updatedAt: null };
}

/** The recipient's address on `channel`, or "" for none. */
export function addressOf(recipient: Recipient, channel: string): string {
  return recipient.addresses[channel] ?? "";
}
