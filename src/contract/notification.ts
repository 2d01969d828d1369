import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Action as ActionPb,
  AttemptOutcome as AttemptOutcomePb,
  type Channel as ChannelPb,
  ChannelSchema,
  type Delivery as DeliveryPb,
  DeliverySchema,
  DeliveryStatus as DeliveryStatusPb,
  type Notification as NotificationPb,
  NotificationSchema,
  Priority as PriorityPb,
} from "../../gen/ts/herald/v1/notification_pb.js";
import { channelIds } from "../domain/channel.js";
import type {
  AttemptOutcome,
  Channel,
  Delivery,
  DeliveryStatus,
  Notification,
  NotificationAction,
  Priority,
} from "../domain/notification.js";

/**
 * Mapping between domain types and the generated protobuf types of
 * `herald/v1/notification.proto`. The one place that knows both.
 */
const priorities: Record<Priority, PriorityPb> = {
  low: PriorityPb.LOW,
  normal: PriorityPb.NORMAL,
  high: PriorityPb.HIGH,
  critical: PriorityPb.CRITICAL,
};

// Channels by name: the contract calls channel `slack` CHANNEL_SLACK, so a new
// channel needs its enum value and nothing here.
const channels = new Map<Channel, ChannelPb>(
  channelIds.map((id) => {
    const value = ChannelSchema.values.find((v) => v.name === `CHANNEL_${id.toUpperCase()}`);
    if (value === undefined) throw new Error(`the contract has no CHANNEL_${id.toUpperCase()} for channel ${id}`);
    return [id, value.number as ChannelPb];
  }),
);

const deliveryStatuses: Record<DeliveryStatus, DeliveryStatusPb> = {
  scheduled: DeliveryStatusPb.SCHEDULED,
  pending: DeliveryStatusPb.PENDING,
  sending: DeliveryStatusPb.SENDING,
  sent: DeliveryStatusPb.SENT,
  suppressed: DeliveryStatusPb.SUPPRESSED,
  failed: DeliveryStatusPb.FAILED,
  dead: DeliveryStatusPb.DEAD,
  canceled: DeliveryStatusPb.CANCELED,
};

function invert<K extends string, V extends number>(record: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(record).map(([k, v]) => [v as V, k as K]));
}
const prioritiesFromPb = invert(priorities);
const channelsFromPb = new Map([...channels].map(([id, pb]) => [pb, id]));
const deliveryStatusesFromPb = invert(deliveryStatuses);

/** Undefined for DELIVERY_STATUS_UNSPECIFIED. */
export function deliveryStatusFromPb(value: DeliveryStatusPb): DeliveryStatus | undefined {
  return deliveryStatusesFromPb.get(value);
}

const outcomes: Record<AttemptOutcome, AttemptOutcomePb> = {
  sent: AttemptOutcomePb.SENT,
  transient_error: AttemptOutcomePb.TRANSIENT_ERROR,
  permanent_error: AttemptOutcomePb.PERMANENT_ERROR,
};

/** PRIORITY_UNSPECIFIED means normal. */
export function priorityFromPb(value: PriorityPb): Priority {
  return prioritiesFromPb.get(value) ?? "normal";
}

/** Undefined for CHANNEL_UNSPECIFIED or unknown values (the contract rejects those first). */
export function channelFromPb(value: ChannelPb): Channel | undefined {
  return channelsFromPb.get(value);
}

export function channelToPb(value: Channel): ChannelPb {
  return channels.get(value) as ChannelPb;
}

const ts = (date: Date | null) => (date === null ? undefined : timestampFromDate(date));

export function notificationToPb(n: Notification): NotificationPb {
  return create(NotificationSchema, {
    id: n.id,
    userId: n.userId,
    category: n.category,
    title: n.title,
    body: n.body,
    actionUrl: n.actionUrl,
    ...(n.data !== null && { data: n.data as NotificationPb["data"] }),
    priority: priorities[n.priority],
    createTime: ts(n.createdAt),
    sendTime: ts(n.sendAt),
    readTime: ts(n.readAt),
    archiveTime: ts(n.archivedAt),
    expireTime: ts(n.expireAt ?? null),
    snoozeUntil: ts(n.snoozeUntil ?? null),
    tags: n.tags,
    actions: n.actions.map(actionToPb),
    ...(n.interaction !== null && {
      interaction: { actionId: n.interaction.actionId, time: timestampFromDate(n.interaction.time) },
    }),
    seenTime: ts(n.seenAt),
    groupKey: n.groupKey ?? "",
    updateTime: ts(n.updatedAt ?? null),
    version: n.version ?? 1,
  });
}

/** An action as the contract carries it (a request's, or a notification's). */
export function actionToPb(a: NotificationAction): Omit<ActionPb, "$typeName"> {
  return {
    id: a.id,
    label: a.label,
    url: a.url,
    ...(a.payload !== null && { payload: a.payload as ActionPb["payload"] }),
  };
}

export function actionFromPb(pb: ActionPb): NotificationAction {
  return { id: pb.id, label: pb.label, url: pb.url, payload: pb.payload ?? null };
}

/** A notification of `tenantId` from its message (which names no tenant: callers see only their own). */
export function notificationFromPb(tenantId: string, pb: NotificationPb): Notification {
  const date = (t: NotificationPb["createTime"]) => (t === undefined ? null : timestampDate(t));
  return {
    id: pb.id,
    tenantId,
    userId: pb.userId,
    category: pb.category,
    title: pb.title,
    body: pb.body,
    actionUrl: pb.actionUrl,
    data: pb.data ?? null,
    priority: priorityFromPb(pb.priority),
    createdAt: date(pb.createTime) ?? new Date(0),
    sendAt: date(pb.sendTime) ?? new Date(0),
    readAt: date(pb.readTime),
    archivedAt: date(pb.archiveTime),
    expireAt: date(pb.expireTime),
    snoozeUntil: date(pb.snoozeUntil),
    tags: pb.tags,
    actions: pb.actions.map(actionFromPb),
    interaction:
      pb.interaction === undefined
        ? null
        : { actionId: pb.interaction.actionId, time: date(pb.interaction.time) ?? new Date(0) },
    seenAt: date(pb.seenTime),
    ...(pb.groupKey !== "" && { groupKey: pb.groupKey }),
    version: pb.version === 0 ? 1 : pb.version,
    updatedAt: date(pb.updateTime),
  };
}

export function deliveryToPb(d: Delivery): DeliveryPb {
  return create(DeliverySchema, {
    id: d.id,
    notificationId: d.notificationId,
    channel: channelToPb(d.channel),
    target: d.target,
    status: deliveryStatuses[d.status],
    attempts: d.attempts,
    lastError: d.lastError,
    nextAttemptTime: ts(d.nextAttemptAt),
    providerMessageId: d.providerMessageId,
    createTime: ts(d.createdAt),
    updateTime: ts(d.updatedAt),
    attemptHistory: (d.history ?? []).map((a) => ({
      number: a.number,
      startTime: ts(a.startedAt),
      endTime: ts(a.finishedAt),
      outcome: outcomes[a.outcome],
      error: a.error,
      providerMessageId: a.providerMessageId,
      provider: a.provider,
    })),
  });
}
