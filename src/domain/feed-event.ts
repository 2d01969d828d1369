import type { JsonObject, Notification } from "./notification.js";

/** How notifications changed state. */
export const ChangeKind = {
  read: "read",
  unread: "unread",
  archived: "archived",
  unarchived: "unarchived",
  /** Seen in a list (the inbox panel opened); not read. Cannot be undone. */
  seen: "seen",
  /** The sender withdrew them, or a newer notification of their group replaced them (not a MarkRead change). */
  retracted: "retracted",
  snoozed: "snoozed",
  unsnoozed: "unsnoozed",
  expired: "expired",
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];
/**
 * Changes only the sender (retract), snooze and expiry make, through their own
 * RPCs and sweeps; MarkRead refuses them.
 */
export const notMarkChangeKinds = ["retracted", "snoozed", "unsnoozed", "expired"] as const;
/** The changes a user asks for with MarkRead. */
export type MarkChangeKind = Exclude<ChangeKind, (typeof notMarkChangeKinds)[number]>;

/**
 * One change in a user's inbox. `seq` numbers a user's events 1, 2, 3... with no
 * holes, in commit order, so a stream can tell a missed event from a late one.
 */
export type FeedEvent = {
  /** The tenant of the user whose feed this is: the same user id in two tenants has two feeds. */
  tenantId: string;
  userId: string;
  seq: number;
  unreadCount: number;
  /** Unseen and in the inbox after this event: the bell badge. */
  unseenCount: number;
  time: Date;
} & (
  | { kind: "created"; notification: Notification }
  /** New content of a notification (UpdateNotification), as it is now. */
  | { kind: "updated"; notification: Notification }
  | { kind: "changed"; change: ChangeKind; notificationIds: string[]; all: boolean }
  /** A snoozed notification whose time came, back at the top of the inbox (a new seq). */
  | { kind: "returned"; notification: Notification }
  | InteractedEvent
);

/** The user took one of a notification's actions (which also read and saw it). */
export interface InteractedEvent {
  kind: "interacted";
  notificationId: string;
  actionId: string;
  /** The action's payload; null for none. */
  payload: JsonObject | null;
}

/** The head of a user's feed: the last event's seq and the unread and unseen counts after it. */
export interface FeedHead {
  seq: number;
  unreadCount: number;
  unseenCount: number;
}

/** What a Subscribe stream sends: feed events, plus markers that carry the head. */
export type FeedItem =
  | FeedEvent
  | { kind: "synced"; seq: number; unreadCount: number; unseenCount: number; time: Date; reset: boolean }
  | { kind: "heartbeat"; seq: number; unreadCount: number; unseenCount: number; time: Date };
