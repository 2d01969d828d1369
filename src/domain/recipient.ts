import type { JsonObject } from "./notification.js";

/**
 * The kinds of push device. FCM's (android, ios, web) take the push channel;
 * a browser's own Web Push subscription (web_push) takes the webpush channel.
 */
export const Platform = { android: "android", ios: "ios", web: "web", webPush: "web_push" } as const;
export type Platform = (typeof Platform)[keyof typeof Platform];

/**
 * A browser's Web Push subscription keys (RFC 8291), base64url as
 * PushSubscription.toJSON() gives them: the browser's P-256 public key and its
 * 16-byte authentication secret. The device's token is the subscription's endpoint.
 */
export interface WebPushKeys {
  p256dh: string;
  auth: string;
}

/** A device as RegisterDevice asks for it: a web_push one has its keys, the others null. */
export interface DeviceRegistration {
  platform: Platform;
  token: string;
  webPush: WebPushKeys | null;
}

/** One place push notifications go. */
export interface Device {
  id: string;
  userId: string;
  platform: Platform;
  /** The FCM registration token, or a Web Push subscription's endpoint URL. */
  token: string;
  createdAt: Date;
  /** A web_push device's keys; read only with one device (recipientStore.device), for its deliverer. */
  webPush?: WebPushKeys;
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
