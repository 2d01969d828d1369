import type { FeedEvent } from "../domain/feed-event.js";
import type { Notification } from "../domain/notification.js";
import type { Queryable } from "../store/database.js";
import { feedLog } from "../store/feed-log.js";
import { notificationStore } from "../store/notification-store.js";

/** Sends committed feed events to every process's live streams (feed/feed-publisher.ts). */
export type PublishFeedEvents = (events: FeedEvent[]) => void;

/**
 * Puts stored notifications (scheduled ones now due, of any tenants) into their users' inboxes:
 * each gets the next seq of its user's feed, through the feed log, and its
 * `created` event. Returns the events, to publish once `q`'s transaction commits.
 */
export async function placeInInbox(q: Queryable, items: readonly Notification[], time: Date): Promise<FeedEvent[]> {
  if (items.length === 0) return [];
  const placed = await feedLog.append(
    q,
    items.map((n) => ({
      tenantId: n.tenantId,
      userId: n.userId,
      kind: "created",
      notificationIds: [n.id],
      unreadDelta: 1,
      unseenDelta: 1,
      time,
    })),
  );
  await notificationStore.setSeqs(
    q,
    items.map((n, i) => ({ tenantId: n.tenantId, id: n.id, seq: placed[i]?.seq as number })),
  );
  return items.map((n, i) => ({
    kind: "created",
    tenantId: n.tenantId,
    userId: n.userId,
    seq: placed[i]?.seq as number,
    unreadCount: placed[i]?.unreadCount as number,
    unseenCount: placed[i]?.unseenCount as number,
    time,
    notification: n,
  }));
}
