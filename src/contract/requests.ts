import { timestampDate } from "@bufbuild/protobuf/wkt";
import type {
  MarkReadRequest,
  RetractNotificationRequest,
  SendRequest,
  UpdateNotificationRequest,
  UpdatePreferencesRequest,
} from "../../gen/ts/herald/v1/notification_service_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { type MarkChangeKind, notMarkChangeKinds } from "../domain/feed-event.js";
import type { Channel, NotificationDraft } from "../domain/notification.js";
import type { PreferencesPatch } from "../domain/preferences.js";
import type { ContentPatch } from "../store/notification-updates.js";
import type { MarkInput } from "../usecases/mark-notifications.js";
import type { RetractTarget } from "../usecases/retract-notification.js";
import { changeKindFromPb } from "./feed-event.js";
import { actionFromPb, channelFromPb, priorityFromPb } from "./notification.js";
import { channelSettingsFromPb } from "./preferences.js";
import { quietHoursFromPb } from "./workflow.js";

/** Requests as use cases take them. Field rules were checked by protovalidate already. */
export function draftFromPb(req: SendRequest): NotificationDraft {
  return {
    userIds: req.userIds,
    category: req.category,
    title: req.title,
    body: req.body,
    actionUrl: req.actionUrl,
    data: req.data ?? null,
    priority: priorityFromPb(req.priority),
    channels: req.channels.map(channelFromPb).filter((c): c is Channel => c !== undefined),
    idempotencyKey: req.idempotencyKey,
    sendAt: req.sendAt === undefined ? null : timestampDate(req.sendAt),
    templateKey: req.templateKey,
    workflow: req.workflow,
    cancellationKey: req.cancellationKey,
    groupKey: req.groupKey,
    topics: req.topics,
    excludeUserIds: req.excludeUserIds,
    broadcast: req.broadcast,
    expireAt: req.expireAt === undefined ? null : timestampDate(req.expireAt),
    ttlMs: req.ttl === undefined ? null : Number(req.ttl.seconds) * 1000 + Math.floor(req.ttl.nanos / 1e6),
    tags: req.tags,
    actions: req.actions.map(actionFromPb),
  };
}

export function markInputFromPb(req: MarkReadRequest): MarkInput {
  const change = changeKindFromPb(req.change) ?? "read";
  // The contract's enum has them; MarkRead does not make them.
  if ((notMarkChangeKinds as readonly string[]).includes(change)) {
    throw new InvalidArgumentError(
      "change",
      "retraction, snooze and expiry have their own RPCs (RetractNotification, SnoozeNotifications, Send's expire_at)",
    );
  }
  return {
    userId: req.userId,
    notificationIds: req.notificationIds,
    all: req.all,
    change: change as MarkChangeKind,
  };
}

/** UpdateNotification's fields that are set; data given empty clears it, actions given empty remove them. */
export function contentPatchFromPb(req: UpdateNotificationRequest): ContentPatch {
  return {
    ...(req.title !== undefined && { title: req.title }),
    ...(req.body !== undefined && { body: req.body }),
    ...(req.actionUrl !== undefined && { actionUrl: req.actionUrl }),
    ...(req.data !== undefined && { data: Object.keys(req.data).length === 0 ? null : req.data }),
    ...(req.actions !== undefined && { actions: req.actions.actions.map(actionFromPb) }),
  };
}

/** RetractNotification's target: the contract requires exactly one of id and group_key (with user_id). */
export function retractTargetFromPb(req: RetractNotificationRequest): RetractTarget {
  return req.id !== "" ? { id: req.id } : { userId: req.userId, groupKey: req.groupKey };
}

export function preferencesPatchFromPb(req: UpdatePreferencesRequest): PreferencesPatch {
  return {
    defaults: channelSettingsFromPb(req.defaults),
    categories: Object.fromEntries(
      Object.entries(req.categories).map(([category, settings]) => [
        category,
        channelSettingsFromPb(settings, `categories["${category}"]`),
      ]),
    ),
    resetCategories: req.resetCategories,
    quietHours: req.quietHours === undefined ? null : quietHoursFromPb(req.quietHours),
    clearQuietHours: req.clearQuietHours,
  };
}
