import type { ChangeKind, FeedEvent } from "../domain/feed-event.js";
import type {
  Channel,
  Delivery,
  DeliveryStatus,
  JsonObject,
  Notification,
  NotificationAction,
  Priority,
} from "../domain/notification.js";

/** A `notifications` row as node-pg returns it. */
export interface NotificationRow {
  id: string;
  tenant_id: string;
  user_id: string;
  category: string;
  title: string;
  body: string;
  action_url: string;
  data: JsonObject | null;
  priority: Priority;
  created_at: Date;
  send_at: Date;
  read_at: Date | null;
  archived_at: Date | null;
  tags: string[];
  /** As written by send-store.ts: {id, label, url, payload}. */
  actions: NotificationAction[] | null;
  /** As written by the interaction store: {action_id, time} (time as ISO text). */
  interaction: { action_id: string; time: string } | null;
  seen_at: Date | null;
  /** Update and retract (migration 0019); absent where a query does not read them. */
  group_key?: string | null;
  version?: number;
  updated_at?: Date | null;
  retracted_at?: Date | null;
  expire_at?: Date | null;
  snooze_until?: Date | null;
}

/**
 * The columns that make up a NotificationRow, for SELECT lists. Reading sees:
 * the seen time is the first of seen_at and read_at (migration 0018).
 */
export const notificationColumns =
  "n.id, n.tenant_id, n.user_id, n.category, n.title, n.body, n.action_url, n.data, n.priority, n.created_at, n.send_at, n.read_at, n.archived_at, n.tags, n.actions, n.interaction, coalesce(n.seen_at, n.read_at) AS seen_at" +
  ", n.group_key, n.version, n.updated_at, n.retracted_at, n.expire_at, n.snooze_until";

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    category: row.category,
    title: row.title,
    body: row.body,
    actionUrl: row.action_url,
    data: row.data,
    priority: row.priority,
    createdAt: row.created_at,
    sendAt: row.send_at,
    readAt: row.read_at,
    archivedAt: row.archived_at,
    // Absent where a reader selects its own columns (attempt-store's jobs).
    tags: row.tags ?? [],
    actions: row.actions ?? [],
    interaction:
      row.interaction == null ? null : { actionId: row.interaction.action_id, time: new Date(row.interaction.time) },
    seenAt: row.seen_at,
    ...updateColumnsOf(row),
    expireAt: row.expire_at ?? null,
    snoozeUntil: row.snooze_until ?? null,
  };
}

/** The update-and-retract columns of a row, for those read. */
function updateColumnsOf(row: NotificationRow): Partial<Notification> {
  return {
    ...(row.group_key != null && { groupKey: row.group_key }),
    ...(row.version !== undefined && { version: row.version }),
    ...(row.updated_at !== undefined && { updatedAt: row.updated_at }),
    ...(row.retracted_at !== undefined && { retractedAt: row.retracted_at }),
  };
}

export interface DeliveryRow {
  id: string;
  notification_id: string;
  channel: Channel;
  target: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string;
  next_attempt_at: Date | null;
  provider_message_id: string;
  created_at: Date;
  updated_at: Date;
}

/** The columns that make up a DeliveryRow, for SELECT lists. */
export const deliveryColumns =
  "d.id, d.notification_id, d.channel, d.target, d.status, d.attempts, d.last_error, d.next_attempt_at, d.provider_message_id, d.created_at, d.updated_at";

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    notificationId: row.notification_id,
    channel: row.channel,
    target: row.target,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    providerMessageId: row.provider_message_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A `feed_events` row joined with the notification of a `created` event. */
export type FeedEventRow = {
  event_tenant_id: string;
  event_user_id: string;
  seq: number;
  kind: "created" | "updated" | "returned" | "interacted" | ChangeKind;
  notification_ids: string[];
  all_notifications: boolean;
  unread_count: number;
  unseen_count: number;
  /** For `interacted`: {action_id, payload}. */
  detail: { action_id?: string; payload?: JsonObject | null } | null;
  event_time: Date;
} & Partial<NotificationRow>;

export function toFeedEvent(row: FeedEventRow): FeedEvent {
  const base = {
    tenantId: row.event_tenant_id,
    userId: row.event_user_id,
    seq: row.seq,
    unreadCount: row.unread_count,
    unseenCount: row.unseen_count,
    time: row.event_time,
  };
  if (row.kind === "created" || row.kind === "updated" || row.kind === "returned") {
    return { ...base, kind: row.kind, notification: toNotification(row as NotificationRow) };
  }
  if (row.kind === "interacted") {
    return {
      ...base,
      kind: "interacted",
      notificationId: row.notification_ids[0] as string,
      actionId: row.detail?.action_id ?? "",
      payload: row.detail?.payload ?? null,
    };
  }
  return {
    ...base,
    kind: "changed",
    change: row.kind,
    notificationIds: row.notification_ids,
    all: row.all_notifications,
  };
}
