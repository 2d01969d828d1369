import type { Channel } from "./notification.js";

/** An email's parts. */
export interface EmailContent {
  subject: string;
  text: string;
  /** Empty for a text-only email. */
  html: string;
}

/** An inbox entry's parts. */
export interface InAppContent {
  title: string;
  body: string;
}

/** A text message. */
export interface SmsContent {
  text: string;
}

/** A push notification's parts. */
export interface PushContent {
  title: string;
  body: string;
}

/** Content per templated channel; webhooks carry the notification as JSON instead. */
export interface ContentByChannel {
  email: EmailContent;
  in_app: InAppContent;
  sms: SmsContent;
  push: PushContent;
}

export type TemplatedChannel = keyof ContentByChannel;
export const templatedChannels: readonly TemplatedChannel[] = ["in_app", "email", "sms", "push"];

export function isTemplatedChannel(channel: Channel): channel is TemplatedChannel {
  return (templatedChannels as readonly string[]).includes(channel);
}

/** A stored template: the Handlebars source of one channel's parts in one locale. */
export type Template = {
  [C in TemplatedChannel]: {
    key: string;
    channel: C;
    locale: string;
    content: ContentByChannel[C];
    updatedAt: Date | null;
  };
}[TemplatedChannel];

/**
 * Most characters (Unicode code points) each rendered part may have, checked on
 * every Send with a template. In-app and push match what Send accepts as raw
 * title and body; an email subject stays within one RFC 5322 header line; SMS
 * text within Twilio's 1,600-character maximum; email text and HTML match the
 * size of their templates. Documented in template_service.proto.
 */
export const renderedLimits: { [C in TemplatedChannel]: Record<keyof ContentByChannel[C], number> } = {
  in_app: { title: 200, body: 5_000 },
  push: { title: 200, body: 5_000 },
  email: { subject: 998, text: 100_000, html: 500_000 },
  sms: { text: 1_600 },
};
