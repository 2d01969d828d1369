import type { Channel } from "./channel.js";

/** A channel's content: its parts by name (email: subject, text, html; sms: text...). */
export type Content = Record<string, string>;

/** A stored template: the Handlebars source of one channel's parts in one locale. */
export interface Template {
  key: string;
  channel: Channel;
  locale: string;
  content: Content;
  updatedAt: Date | null;
}
