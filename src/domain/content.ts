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
