import type { Channel, Notification } from "./notification.js";

/**
 * What WatchEvents carries: every type a backend may follow, as the event log
 * stores it (`events.type`). `notification.*` state changes mirror the feed's
 * kinds; `workflow.step_skipped` is written by a trigger on workflow_runs (migration 0023).
 */
export const EventType = {
  notificationCreated: "notification.created",
  deliverySent: "delivery.sent",
  deliveryFailed: "delivery.failed",
  deliveryDead: "delivery.dead",
  notificationSeen: "notification.seen",
  notificationRead: "notification.read",
  notificationUnread: "notification.unread",
  notificationArchived: "notification.archived",
  notificationUnarchived: "notification.unarchived",
  notificationSnoozed: "notification.snoozed",
  notificationInteracted: "notification.interacted",
  notificationUpdated: "notification.updated",
  notificationRetracted: "notification.retracted",
  notificationExpired: "notification.expired",
  workflowStepSkipped: "workflow.step_skipped",
  notificationUnsnoozed: "notification.unsnoozed",
  notificationReturned: "notification.returned",
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const eventTypes: readonly EventType[] = Object.values(EventType);

/** A delivery's part of a `delivery.*` event, as it was when the event happened. */
export interface DeliveryEventDetail {
  deliveryId: string;
  channel: Channel;
  /** Device token, webhook endpoint id...; empty for channels with one address per user. */
  target: string;
  /** The attempt this event is about (failed), or the attempts made so far (sent, dead); 0 when none was made. */
  attempt: number;
  error: string;
  provider: string;
}

/** One numbered event of the log. */
export interface LoggedEvent {
  seq: number;
  type: EventType;
  time: Date;
  tenantId: string;
  /** Empty when the notification is gone and the event did not record it. */
  userId: string;
  /** Empty for a state change of several notifications or of all. */
  notificationId: string;
  /** created: the notification as stored now; null when it is gone. */
  notification: Notification | null;
  /** notification.* state changes: the notifications that changed (empty with `all`). */
  notificationIds: string[];
  all: boolean;
  /** What a state change carries beyond ids (the action taken, the snooze time); null when nothing. */
  detail: Record<string, unknown> | null;
  delivery: DeliveryEventDetail | null;
}

/** The log's numbered range: `seq` is the last event numbered, `prunedThrough` the last retention removed. */
export interface EventLogHead {
  seq: number;
  prunedThrough: number;
}

/** What a WatchEvents stream sends: events, then `synced` after the replay, heartbeats while idle. */
export type EventItem =
  | { kind: "event"; event: LoggedEvent }
  | { kind: "synced"; seq: number; reset: boolean; time: Date }
  | { kind: "heartbeat"; seq: number; time: Date };
