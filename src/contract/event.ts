import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Event as EventPb, EventSchema, EventType as EventTypePb } from "../../gen/ts/herald/v1/event_pb.js";
import { type WatchEventsResponse, WatchEventsResponseSchema } from "../../gen/ts/herald/v1/event_service_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { type EventItem, EventType, type LoggedEvent } from "../domain/event.js";
import { channelToPb, notificationToPb } from "./notification.js";

const typesToPb: Record<EventType, EventTypePb> = {
  [EventType.notificationCreated]: EventTypePb.NOTIFICATION_CREATED,
  [EventType.deliverySent]: EventTypePb.DELIVERY_SENT,
  [EventType.deliveryFailed]: EventTypePb.DELIVERY_FAILED,
  [EventType.deliveryDead]: EventTypePb.DELIVERY_DEAD,
  [EventType.notificationSeen]: EventTypePb.NOTIFICATION_SEEN,
  [EventType.notificationRead]: EventTypePb.NOTIFICATION_READ,
  [EventType.notificationUnread]: EventTypePb.NOTIFICATION_UNREAD,
  [EventType.notificationArchived]: EventTypePb.NOTIFICATION_ARCHIVED,
  [EventType.notificationUnarchived]: EventTypePb.NOTIFICATION_UNARCHIVED,
  [EventType.notificationSnoozed]: EventTypePb.NOTIFICATION_SNOOZED,
  [EventType.notificationInteracted]: EventTypePb.NOTIFICATION_INTERACTED,
  [EventType.notificationUpdated]: EventTypePb.NOTIFICATION_UPDATED,
  [EventType.notificationRetracted]: EventTypePb.NOTIFICATION_RETRACTED,
  [EventType.notificationExpired]: EventTypePb.NOTIFICATION_EXPIRED,
  [EventType.workflowStepSkipped]: EventTypePb.WORKFLOW_STEP_SKIPPED,
  [EventType.notificationUnsnoozed]: EventTypePb.NOTIFICATION_UNSNOOZED,
  [EventType.notificationReturned]: EventTypePb.NOTIFICATION_RETURNED,
};
const typesFromPb = new Map(Object.entries(typesToPb).map(([k, v]) => [v, k as EventType]));

/** The log's event types for the request's; protovalidate already refused unknown and unspecified ones. */
export function eventTypesFromPb(values: readonly EventTypePb[]): EventType[] {
  return values.map((v) => {
    const type = typesFromPb.get(v);
    if (type === undefined) throw new InvalidArgumentError("types", `has an unknown event type ${v}`);
    return type;
  });
}

/** Event cursors are the log's seq; the contract calls them opaque so this may change. */
export function encodeEventCursor(seq: number): string {
  return String(seq);
}

export function decodeEventCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw new InvalidArgumentError("cursor", "is not a cursor of this event log");
  return Number(cursor);
}

export function eventToPb(e: LoggedEvent): EventPb {
  const head = {
    cursor: encodeEventCursor(e.seq),
    type: typesToPb[e.type],
    time: timestampFromDate(e.time),
    tenantId: e.tenantId,
    userId: e.userId,
    notificationId: e.notificationId,
  };
  if (e.delivery !== null) {
    const d = e.delivery;
    return create(EventSchema, {
      ...head,
      payload: {
        case: "delivery",
        value: {
          deliveryId: d.deliveryId,
          channel: channelToPb(d.channel),
          target: d.target,
          attemptNumber: d.attempt,
          error: d.error,
          provider: d.provider,
        },
      },
    });
  }
  if (e.type === EventType.notificationCreated) {
    const notification = e.notification === null ? undefined : notificationToPb(e.notification);
    return create(EventSchema, { ...head, payload: { case: "created", value: { notification } } });
  }
  return create(EventSchema, {
    ...head,
    payload: {
      case: "changed",
      value: {
        notificationIds: e.notificationIds,
        all: e.all,
        ...(e.detail !== null && { detail: e.detail as JsonObject }),
      },
    },
  });
}

export function watchEventsResponseOf(item: EventItem): WatchEventsResponse {
  switch (item.kind) {
    case "event":
      return create(WatchEventsResponseSchema, { kind: { case: "event", value: eventToPb(item.event) } });
    case "synced":
      return create(WatchEventsResponseSchema, {
        kind: {
          case: "synced",
          value: { cursor: encodeEventCursor(item.seq), reset: item.reset, time: timestampFromDate(item.time) },
        },
      });
    case "heartbeat":
      return create(WatchEventsResponseSchema, {
        kind: { case: "heartbeat", value: { cursor: encodeEventCursor(item.seq), time: timestampFromDate(item.time) } },
      });
  }
}
