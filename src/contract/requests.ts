import { timestampDate } from "@bufbuild/protobuf/wkt";
import type {
  MarkReadRequest,
  SendRequest,
  UpdatePreferencesRequest,
} from "../../gen/ts/herald/v1/notification_service_pb.js";
import type { Channel, NotificationDraft } from "../domain/notification.js";
import type { PreferencesPatch } from "../domain/preferences.js";
import type { MarkInput } from "../usecases/mark-notifications.js";
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
    topics: req.topics,
    excludeUserIds: req.excludeUserIds,
    broadcast: req.broadcast,
    tags: req.tags,
    actions: req.actions.map(actionFromPb),
  };
}

export function markInputFromPb(req: MarkReadRequest): MarkInput {
  return {
    userId: req.userId,
    notificationIds: req.notificationIds,
    all: req.all,
    change: changeKindFromPb(req.change) ?? "read",
  };
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
