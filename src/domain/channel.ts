import type { NotificationContent } from "./notification.js";
import type { DeviceRegistration, Platform } from "./recipient.js";

/**
 * The ways a notification reaches a user. Each is a module in channels/ (its
 * targets, content, configuration and sender; channels/registry.ts lists
 * them); the contract names each `CHANNEL_<ID>`.
 */
export const channelIds = ["in_app", "email", "sms", "push", "webhook", "slack", "teams", "webpush"] as const;
export type Channel = (typeof channelIds)[number];

export function isChannel(value: string): value is Channel {
  return (channelIds as readonly string[]).includes(value);
}

/**
 * Where a channel's deliveries go, read from the recipient at Send time:
 * - `inbox`: the user's inbox (one delivery);
 * - `address`: the recipient's address for this channel (email, phone, a Slack
 *   member id...; one delivery, which fails visibly without an address);
 * - `devices`: each registered push device of the channel's platforms;
 * - `endpoints`: each enabled endpoint registered for this channel whose
 *   categories match (webhooks, Slack and Teams incoming webhooks).
 */
export type TargetSource = "inbox" | "address" | "devices" | "endpoints";

/** One part of a channel's content, and the most a rendered one may hold. */
export interface PartSpec {
  /** Most characters (Unicode code points) after rendering. */
  maxChars: number;
  /** Variables are HTML-escaped (and `{{{ }}}` refused). */
  html?: boolean;
  /** May be empty (an email without HTML). */
  optional?: boolean;
  /**
   * Applied to every string a variable reads from data, for parts whose markup
   * data must not write (Slack's mrkdwn escapes &, < and >, so a value cannot
   * become a `<!channel>` mention or a disguised link). Literal template text
   * is left as written.
   */
  escapeData?: (value: string) => string;
  /**
   * The part is JSON (Slack's Block Kit blocks, a Teams card): its template
   * must parse as JSON, variables live only inside its strings (each string is
   * rendered on its own and JSON-escaped), so every rendering is valid JSON of
   * the same shape. `check` says what else is wrong with the parsed template
   * (the provider's documented limits), or null.
   */
  json?: { check?: (value: unknown) => string | null };
}

/** What a channel says: its parts, and what it says for a Send without a template. */
export interface ContentSpec {
  parts: Readonly<Record<string, PartSpec>>;
  /** The content from a Send's title, body and action URL. */
  fromDraft(n: NotificationContent): Record<string, string>;
}

/** What planning, rendering and the contract need to know of a channel. */
export interface ChannelTraits {
  id: Channel;
  /** How people call it (the preference page, messages). */
  label: string;
  targets: readonly TargetSource[];
  /** Null for channels that carry the notification itself (webhooks). */
  content: ContentSpec | null;
  /** Checks an address for `address` targets; returns what is wrong, or null. */
  checkAddress?: (address: string) => string | null;
  /** Checks an endpoint URL for `endpoints` targets; returns what is wrong, or null. */
  checkEndpointUrl?: (url: string) => string | null;
  /** For `devices` targets: the platforms whose devices it sends to; absent, every device. */
  devicePlatforms?: readonly Platform[];
  /** Checks a device being registered for it; returns the field at fault and why, or null. */
  checkDevice?: (device: DeviceRegistration) => DeviceProblem | null;
}

/** What is wrong with a device registration: the request's field (`web_push.endpoint`) and why. */
export interface DeviceProblem {
  field: string;
  problem: string;
}

/** The traits of the channels a server offers, by id. */
export type ChannelCatalog = ReadonlyMap<Channel, ChannelTraits>;
