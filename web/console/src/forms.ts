/**
 * Pure helpers of the console's management pages (recipients, templates,
 * workflows, webhooks): masking contact data, finding the template part an
 * error names, reading JSON typed by an operator. No DOM here, so the unit
 * tests run them in Node.
 */

import type { JsonObject } from "@bufbuild/protobuf";
import { Channel } from "../../../gen/ts/herald/v1/notification_pb.js";
import type { ChannelSettings } from "../../../gen/ts/herald/v1/preferences_pb.js";

const dot = "•";

/** An email address with its local part hidden but its first character: `a•••@example.com`. */
export function maskEmail(email: string): string {
  if (email === "") return "";
  const at = email.lastIndexOf("@");
  if (at <= 0) return maskSecret(email);
  // A fixed number of dots, so the mask does not tell the local part's length.
  return `${email[0]}${dot.repeat(3)}${email.slice(at)}`;
}

/** A phone number with only its country prefix and last four digits shown: `+1•••••0123`. */
export function maskPhone(phone: string): string {
  if (phone === "") return "";
  if (phone.length <= 6) return dot.repeat(phone.length);
  return `${phone.slice(0, 2)}${dot.repeat(5)}${phone.slice(-4)}`;
}

/** Any other secret-ish value (a push token, a Slack member id): its last four characters, if long enough. */
export function maskSecret(value: string): string {
  if (value === "") return "";
  if (value.length <= 8) return dot.repeat(value.length);
  return `${dot.repeat(5)}${value.slice(-4)}`;
}

/** The channel names the console uses in routes, as Recipient.addresses keys them (`in_app`, `slack`). */
export const templateChannels = ["email", "in_app", "sms", "push", "slack", "teams", "webpush"] as const;
export type TemplateChannel = (typeof templateChannels)[number];

/** One editable part of a channel's templates. */
export interface PartSpec {
  name: string;
  label: string;
  /** True when the part may stay empty (email html, Slack blocks, Teams card). */
  optional: boolean;
  /** True for long parts that deserve a tall textarea. */
  long: boolean;
}

const part = (name: string, label: string, optional = false, long = false): PartSpec => ({
  name,
  label,
  optional,
  long,
});

/** The parts of each channel's templates, as template_service.proto and the Channel enum list them. */
export const channelParts: Record<TemplateChannel, PartSpec[]> = {
  email: [part("subject", "Subject"), part("html", "HTML body", true, true), part("text", "Text body", false, true)],
  in_app: [part("title", "Title"), part("body", "Body", false, true)],
  sms: [part("text", "Text", false, true)],
  push: [part("title", "Title"), part("body", "Body", false, true)],
  slack: [part("text", "Text (mrkdwn)", false, true), part("blocks", "Blocks (Block Kit JSON)", true, true)],
  teams: [part("title", "Title"), part("text", "Text", false, true), part("card", "Adaptive Card JSON", true, true)],
  webpush: [part("title", "Title"), part("body", "Body", false, true)],
};

/** True for the channels whose content has a message of its own in the contract (not the `parts` map). */
export function isTypedChannel(channel: string): channel is "email" | "in_app" | "sms" | "push" {
  return channel === "email" || channel === "in_app" || channel === "sms" || channel === "push";
}

/**
 * The template part an error message names, or null. Herald names parts in
 * three ways: a field path (`template.email.html: Parse error...`), a map
 * entry (`template.parts.parts["blocks"]: ...`), or, for render errors, the
 * template, channel, part and locale in words (`data: template "digest"
 * (in_app title, en) uses "name"...`). The channel must match the one being
 * edited: an error about another channel's template points at no field here.
 */
export function partFromError(message: string, channel: string): string | null {
  const typed = /(?:^|\s)template\.(email|in_app|sms|push)\.([a-z_]+)\b/.exec(message);
  if (typed !== null) return typed[1] === channel ? (typed[2] ?? null) : null;
  const mapped = /(?:^|\s)template\.parts\.parts\["([a-z][a-z0-9_]*)"\]/.exec(message);
  if (mapped !== null) return isTypedChannel(channel) ? null : (mapped[1] ?? null);
  const worded = /\(([a-z_]+) ([a-z][a-z0-9_]*), [A-Za-z0-9-]+\)/.exec(message);
  if (worded !== null) return worded[1] === channel ? (worded[2] ?? null) : null;
  return null;
}

/** Operator-typed JSON that must be an object (sample data, attributes), or the problem in words. */
export function parseJsonObject(text: string): { value: JsonObject } | { error: string } {
  if (text.trim() === "") return { value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { error: 'must be a JSON object, such as {"name": "Ada"}' };
  }
  return { value: parsed as JsonObject };
}

/** Sample data for a new template's preview: the variables the examples in the README use. */
export const defaultSampleData = `{\n  "name": "Ada",\n  "order": "1042"\n}`;

/** A template's address in the console: `#/templates/<key>/<channel>/<locale>`. */
export function templateHash(key: string, channel: string, locale: string): string {
  return `#/templates/${[key, channel, locale].map(encodeURIComponent).join("/")}`;
}

const channelByName: Record<TemplateChannel, Channel> = {
  email: Channel.EMAIL,
  in_app: Channel.IN_APP,
  sms: Channel.SMS,
  push: Channel.PUSH,
  slack: Channel.SLACK,
  teams: Channel.TEAMS,
  webpush: Channel.WEBPUSH,
};

/** The Channel enum value of a route's channel name, or undefined for a name no template has. */
export function channelFromName(name: string): Channel | undefined {
  return (templateChannels as readonly string[]).includes(name) ? channelByName[name as TemplateChannel] : undefined;
}

/** A Channel as the console's routes and Herald's messages name it: `email`, `in_app`, `slack`. */
export function channelToName(channel: Channel): string {
  return (Channel[channel] ?? "unspecified").toLowerCase();
}

/** What a user's ChannelSettings say of one channel: on, off, or undefined (inherited). */
export function channelSetting(
  settings: Pick<ChannelSettings, "inApp" | "email" | "sms" | "push" | "webhook" | "channels"> | undefined,
  channel: string,
): boolean | undefined {
  if (settings === undefined) return undefined;
  switch (channel) {
    case "in_app":
      return settings.inApp;
    case "email":
      return settings.email;
    case "sms":
      return settings.sms;
    case "push":
      return settings.push;
    case "webhook":
      return settings.webhook;
    default:
      return settings.channels[channel];
  }
}

/**
 * A workflow's proto JSON for editing: pretty, without the output-only
 * fields (`version`, `updateTime`), which the server sets on each change.
 */
export function workflowJson(json: JsonObject): string {
  const { version: _version, updateTime: _updateTime, ...editable } = json;
  return JSON.stringify(editable, null, 2);
}

/**
 * False for the empty recipient GetRecipient returns for a user Herald has
 * no record of (it answers every user id, so as not to tell which exist):
 * never updated and without devices.
 */
export function hasRecipientRecord(recipient: { updateTime?: unknown; devices: readonly unknown[] }): boolean {
  return recipient.updateTime !== undefined || recipient.devices.length > 0;
}
