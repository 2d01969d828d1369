/** How urgent a notification is. */
export const Priority = {
  low: "low",
  normal: "normal",
  high: "high",
  critical: "critical",
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

import type { Channel } from "./channel.js";

export type { Channel };

/** Where one delivery stands. */
export const DeliveryStatus = {
  scheduled: "scheduled",
  pending: "pending",
  sending: "sending",
  sent: "sent",
  suppressed: "suppressed",
  failed: "failed",
  dead: "dead",
  canceled: "canceled",
} as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

export type JsonObject = { [key: string]: unknown };

/** What a notification says; the same for every recipient of one Send. */
export interface NotificationContent {
  category: string;
  title: string;
  body: string;
  actionUrl: string;
  data: JsonObject | null;
  priority: Priority;
  /** Tags for the inbox's filters and tabs; absent means none (a template may add some). */
  tags?: string[];
  /** Action buttons; absent or empty means the template's, if any. */
  actions?: NotificationAction[];
}

/** A button on a notification: a link (`url`), or a named action the inbox reports (InteractNotification). */
export interface NotificationAction {
  id: string;
  label: string;
  /** Empty for a named action. */
  url: string;
  /** Given back with the action when the user takes it; null for none. */
  payload: JsonObject | null;
}

/** The action a user took on a notification, last. */
export interface Interaction {
  actionId: string;
  time: Date;
}

/** One message to one user. */
export interface Notification extends NotificationContent {
  id: string;
  /** The tenant the user belongs to (domain/tenant.ts); background paths carry it from here. */
  tenantId: string;
  userId: string;
  createdAt: Date;
  sendAt: Date;
  readAt: Date | null;
  archivedAt: Date | null;
  /** When it expires (Send's expire_at or ttl); absent or null: never. */
  expireAt?: Date | null;
  /** When a snoozed notification comes back; absent or null: not snoozed. */
  snoozeUntil?: Date | null;
  tags: string[];
  actions: NotificationAction[];
  interaction: Interaction | null;
  /** When the user first saw it in a list, or read it; null while unseen. */
  seenAt: Date | null;
  /** The thread a later Send of the same key replaces it in (SendRequest.group_key); absent or empty for none. */
  groupKey?: string;
  /** Content version: 1 as sent, +1 per UpdateNotification that changed it; absent means 1. */
  version?: number;
  /** When UpdateNotification last changed the content; absent or null while as sent. */
  updatedAt?: Date | null;
  /** When it was retracted (RetractNotification, or replaced in its group); absent or null while it stands. */
  retractedAt?: Date | null;
}

/** How one attempt at a delivery ended. */
export type AttemptOutcome = "sent" | "transient_error" | "permanent_error";

/** One try at handing a delivery to its provider. */
export interface DeliveryAttempt {
  number: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: AttemptOutcome;
  error: string;
  providerMessageId: string;
  /** The provider that answered, for channels that name theirs (failover); empty otherwise. */
  provider: string;
}

/** One notification on one channel (and, for push and webhooks, one target). */
export interface Delivery {
  id: string;
  notificationId: string;
  channel: Channel;
  /** Device id (push) or webhook endpoint id; empty for other channels. */
  target: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string;
  nextAttemptAt: Date | null;
  providerMessageId: string;
  createdAt: Date;
  updatedAt: Date;
  /** Filled where callers asked for it (GetNotification, ListDeliveries). */
  history?: DeliveryAttempt[];
}

/** What a sender asks for; validated before it reaches a use case. */
export interface NotificationDraft extends NotificationContent {
  userIds: string[];
  /** Render content from these templates; empty for the content given. */
  templateKey: string;
  /** Empty means every channel the server offers. */
  channels: Channel[];
  idempotencyKey: string;
  /** Null means now. */
  sendAt: Date | null;
  /** The workflow to run; empty runs the one whose categories match, if any. */
  workflow: string;
  /** Tags the workflow runs this Send starts (CancelWorkflows); empty for none. */
  cancellationKey: string;
  /** The thread: the recipient's previous notification of this key is retracted (SendRequest.group_key); absent or empty for none. */
  groupKey?: string;
  /** A fan-out's audience: these topics' members (with `userIds`), or everyone; absent for none. */
  topics?: string[];
  excludeUserIds?: string[];
  broadcast?: boolean;
  /** When the notifications expire; absent or null: never (or after ttlMs). */
  expireAt?: Date | null;
  /** How long after the send time (sendAt, or when Send runs) they expire; at most one of this and expireAt. */
  ttlMs?: number | null;
}

/** When a draft's notifications, sent at `sendTime`, expire: null for never. */
export function expiryOf(draft: NotificationDraft, sendTime: Date): Date | null {
  if (draft.expireAt) return draft.expireAt;
  return draft.ttlMs ? new Date(sendTime.getTime() + draft.ttlMs) : null;
}

/** Whether a draft is a fan-out: addressed to topics or to everyone, written later in chunks. */
export function isFanout(draft: NotificationDraft): boolean {
  return (draft.topics?.length ?? 0) > 0 || draft.broadcast === true;
}
