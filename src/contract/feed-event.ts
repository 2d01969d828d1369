import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ChangeKind as ChangeKindPb,
  type FeedEvent as FeedEventPb,
  FeedEventSchema,
  type NotificationInteracted as NotificationInteractedPb,
} from "../../gen/ts/herald/v1/feed_pb.js";
import { type SubscribeResponse, SubscribeResponseSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { ChangeKind, FeedEvent, FeedItem } from "../domain/feed-event.js";
import { notificationFromPb, notificationToPb } from "./notification.js";

const changeKinds: Record<ChangeKind, ChangeKindPb> = {
  read: ChangeKindPb.READ,
  unread: ChangeKindPb.UNREAD,
  archived: ChangeKindPb.ARCHIVED,
  unarchived: ChangeKindPb.UNARCHIVED,
  snoozed: ChangeKindPb.SNOOZED,
  unsnoozed: ChangeKindPb.UNSNOOZED,
  expired: ChangeKindPb.EXPIRED,
  seen: ChangeKindPb.SEEN,
  retracted: ChangeKindPb.RETRACTED,
};
const changeKindsFromPb = new Map(Object.entries(changeKinds).map(([k, v]) => [v, k as ChangeKind]));

/** Undefined for CHANGE_KIND_UNSPECIFIED, which MarkRead reads as "read". */
export function changeKindFromPb(value: ChangeKindPb): ChangeKind | undefined {
  return changeKindsFromPb.get(value);
}

/** Cursors are a user's feed seq; the contract calls them opaque so this may change. */
export function encodeCursor(seq: number): string {
  return String(seq);
}

export function decodeCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new InvalidArgumentError("cursor", "is not a cursor from this feed");
  }
  return Number(cursor);
}

export function feedItemToPb(item: FeedItem): FeedEventPb {
  const head = {
    cursor: encodeCursor(item.seq),
    unreadCount: item.unreadCount,
    unseenCount: item.unseenCount,
    eventTime: timestampFromDate(item.time),
  };
  switch (item.kind) {
    case "created":
      return create(FeedEventSchema, {
        ...head,
        kind: { case: "created", value: { notification: notificationToPb(item.notification) } },
      });
    case "updated":
    case "returned":
      return create(FeedEventSchema, {
        ...head,
        kind: { case: item.kind, value: { notification: notificationToPb(item.notification) } },
      });
    case "changed":
      return create(FeedEventSchema, {
        ...head,
        kind: {
          case: "changed",
          value: { kind: changeKinds[item.change], notificationIds: item.notificationIds, all: item.all },
        },
      });
    case "interacted":
      return create(FeedEventSchema, {
        ...head,
        kind: {
          case: "interacted",
          value: {
            notificationId: item.notificationId,
            actionId: item.actionId,
            ...(item.payload !== null && { payload: item.payload as NotificationInteractedPb["payload"] }),
          },
        },
      });
    case "synced":
      return create(FeedEventSchema, { ...head, kind: { case: "synced", value: { reset: item.reset } } });
    case "heartbeat":
      return create(FeedEventSchema, { ...head, kind: { case: "heartbeat", value: {} } });
  }
}

/**
 * Events as they came off NATS, by the domain event decoded from them: the
 * message already is what {@link feedItemToPb} would build again.
 */
const decodedPb = new WeakMap<FeedEvent, FeedEventPb>();
/** The one response message of each event a stream sent, for every other stream that sends it. */
const responses = new WeakMap<FeedEvent, SubscribeResponse>();

/**
 * The Subscribe response carrying `item`. Every stream of a user in this
 * process yields the same event object (the hub's, or a catch-up page's that
 * concurrent streams share), and gets the same message back: it is mapped
 * once, however many streams send it, and the server's serializer can encode
 * it once too. Heartbeats and `synced` are each one stream's own and are not kept.
 * Callers must not change the message.
 */
export function subscribeResponseOf(item: FeedItem): SubscribeResponse {
  if (item.kind === "heartbeat" || item.kind === "synced") {
    return create(SubscribeResponseSchema, { event: feedItemToPb(item) });
  }
  let response = responses.get(item);
  if (response === undefined) {
    response = create(SubscribeResponseSchema, { event: decodedPb.get(item) ?? feedItemToPb(item) });
    responses.set(item, response);
  }
  return response;
}

/** Feed events travel between Herald processes on NATS as binary `herald.v1.FeedEvent`. */
export function encodeFeedEvent(event: FeedEvent): Uint8Array {
  return toBinary(FeedEventSchema, feedItemToPb(event));
}

/**
 * Decodes a feed event of `userId` in `tenantId` (both from the NATS subject)
 * from NATS; null for kinds that never travel there.
 */
export function decodeFeedEvent(tenantId: string, userId: string, bytes: Uint8Array): FeedEvent | null {
  const pb = fromBinary(FeedEventSchema, bytes);
  const base = {
    tenantId,
    userId,
    seq: decodeCursor(pb.cursor),
    unreadCount: pb.unreadCount,
    unseenCount: pb.unseenCount,
    time: pb.eventTime === undefined ? new Date() : timestampDate(pb.eventTime),
  };
  let event: FeedEvent | null = null;
  if (
    (pb.kind.case === "created" || pb.kind.case === "updated" || pb.kind.case === "returned") &&
    pb.kind.value.notification !== undefined
  ) {
    event = { ...base, kind: pb.kind.case, notification: notificationFromPb(tenantId, pb.kind.value.notification) };
  } else if (pb.kind.case === "changed") {
    const change = changeKindFromPb(pb.kind.value.kind);
    if (change !== undefined) {
      event = {
        ...base,
        kind: "changed",
        change,
        notificationIds: pb.kind.value.notificationIds,
        all: pb.kind.value.all,
      };
    }
  } else if (pb.kind.case === "interacted") {
    const { notificationId, actionId, payload } = pb.kind.value;
    event = { ...base, kind: "interacted", notificationId, actionId, payload: payload ?? null };
  }
  if (event !== null) decodedPb.set(event, pb);
  return event;
}
