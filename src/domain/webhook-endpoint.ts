import type { Channel } from "./channel.js";

/**
 * A URL that receives notifications: a webhook (signed per Standard Webhooks),
 * or a chat tool's incoming webhook (Slack, Teams), as `channel` says.
 */
export interface WebhookEndpoint {
  id: string;
  /** The channel whose deliveries go here (one with `endpoints` targets). */
  channel: Channel;
  url: string;
  /** Categories (and those below them) it receives; empty for all. */
  categories: string[];
  description: string;
  enabled: boolean;
  disabledReason: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An endpoint with the secrets that sign what it receives (current first). */
export interface WebhookTarget extends WebhookEndpoint {
  secrets: string[];
}

/** Whether an endpoint with these categories receives `category`. */
export function endpointMatches(categories: readonly string[], category: string): boolean {
  return categories.length === 0 || categories.some((c) => category === c || category.startsWith(`${c}.`));
}
