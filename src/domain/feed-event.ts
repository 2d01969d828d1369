import type { JsonObject, Notification } from "./notification.js";

/** How notifications changed state. */
export const ChangeKind = {
  read: "read",
  unread: "unread",
  archived: "archived",
  unarchived: "unarchived",
  /** Seen in a list (the inbox panel opened); not read. Cannot be undone. */
  seen: "seen",
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

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
  | { kind: "changed"; change: ChangeKind; notificationIds: string[]; all: boolean }
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
