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
  /** When it was disabled (by Herald or by request); null while enabled. */
  disabledAt: Date | null;
  /** When its attempts started failing with no success since; null after a success. */
  failingSince: Date | null;
  /** The events it receives (WEBHOOK_EVENT_TYPES). */
  eventTypes: string[];
  /** Most posts per second to it; 0: the server's default. */
  rateLimitPerSecond: number;
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

/**
 * The events an endpoint may subscribe to: notification.created is posted at
 * Send (channels/webhook.ts), the rest from the event log (dispatch/webhook-event-relay.ts).
 */
export const WEBHOOK_EVENT_TYPES = [
  "notification.created",
  "delivery.sent",
  "delivery.failed",
  "delivery.dead",
  "notification.seen",
  "notification.read",
  "notification.unread",
  "notification.archived",
  "notification.unarchived",
  "notification.snoozed",
  "notification.unsnoozed",
  "notification.returned",
  "notification.interacted",
  "notification.updated",
  "notification.retracted",
  "notification.expired",
  "workflow.step_skipped",
] as const;

/** What an endpoint receives when it names no event types: each notification, as before event types existed. */
export const DEFAULT_WEBHOOK_EVENT_TYPES: readonly string[] = ["notification.created"];

/** Why a delivery to a disabled endpoint was canceled (ReplayWebhookEvents looks for it). */
export const ENDPOINT_DISABLED_REASON = "endpoint disabled";
