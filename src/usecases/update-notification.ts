import { FailedPreconditionError, NotFoundError } from "../domain/errors.js";
import type { FeedEvent } from "../domain/feed-event.js";
import type { Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import { checkActions } from "../domain/tags-and-actions.js";
import type { Database } from "../store/database.js";
import { feedLog } from "../store/feed-log.js";
import { type ContentPatch, notificationUpdates } from "../store/notification-updates.js";
import type { PublishFeedEvents } from "./inbox-placement.js";
import { checkJsonBytes } from "./json-size.js";
import { maxDataBytes } from "./send-notification.js";
import { ownedNotification, senderAccess } from "./sender-access.js";

export interface UpdateOutput {
  notification: Notification;
  /** False when the content already was as asked: nothing written, no event, same version. */
  changed: boolean;
}

/**
 * UpdateNotification: new content for a sent notification. The fields given
 * replace the stored ones (the contract checked them with Send's rules; data's
 * size is checked here, as Send does), the version goes up by one, and live
 * streams get an `updated` event carrying the notification as it now is.
 * Deliveries on other channels keep the content rendered at Send time.
 */
export function createUpdateNotification(deps: { db: Database; publish: PublishFeedEvents }) {
  return async function updateNotification(
    principal: Principal,
    id: string,
    patch: ContentPatch,
  ): Promise<UpdateOutput> {
    const access = senderAccess(principal, "update notifications");
    const { tenantId } = principal;
    if (patch.data !== undefined && patch.data !== null) checkJsonBytes("data", patch.data, maxDataBytes);
    if (patch.actions !== undefined) checkActions(patch.actions, "actions.actions");
    const owner = await ownedNotification(deps.db, principal, access, id);
    if (owner.retracted) throw retractedError(id);
    // Expired notifications (expire_at, issue 14's expiry) are refused here too, once they exist.
    const { output, event } = await deps.db.transaction(async (tx) => {
      // The head first, as every feed writer takes it: the event's seq follows
      // the change, and a retraction racing with this update waits for it.
      await feedLog.lock(tx, tenantId, owner.userId);
      const time = new Date();
      const result = await notificationUpdates.setContent(tx, tenantId, id, patch, time);
      if (result === null) throw new NotFoundError(`notification ${id} not found`);
      if (!result.changed) {
        if ((result.notification.retractedAt ?? null) !== null) throw retractedError(id);
        return { output: result, event: null };
      }
      const [placed] = await feedLog.append(tx, [
        { tenantId, userId: owner.userId, kind: "updated", notificationIds: [id], unreadDelta: 0, time },
      ]);
      const event: FeedEvent = {
        kind: "updated",
        tenantId,
        userId: owner.userId,
        seq: placed?.seq as number,
        unreadCount: placed?.unreadCount as number,
        unseenCount: placed?.unseenCount as number,
        time,
        notification: result.notification,
      };
      return { output: result, event };
    });
    if (event !== null) deps.publish([event]);
    return output;
  };
}

function retractedError(id: string): FailedPreconditionError {
  return new FailedPreconditionError(`notification ${id} was retracted; it can no longer be updated`);
}
