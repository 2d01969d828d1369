import type { FeedEvent } from "../domain/feed-event.js";
import type { Database } from "../store/database.js";
import { feedLog } from "../store/feed-log.js";
import { inboxTimers } from "../store/inbox-timers.js";
import { notificationStore } from "../store/notification-store.js";
import type { PublishFeedEvents } from "./inbox-placement.js";

export interface SweepOptions {
  db: Database;
  publish: PublishFeedEvents;
  /** Most notifications (and users) one round takes. */
  batch: number;
  now?: () => Date;
}

/**
 * One round of the return sweep: snoozed notifications whose time came go
 * back to the top of their users' inboxes, each with a new seq (List orders by
 * it) and a `returned` event carrying it. The round claims the feed heads of
 * the users it returns notifications to with SKIP LOCKED, so sweepers on
 * several processes share the work and each notification returns once: the
 * rows change under the head lock, and a second sweeper that gets the head
 * afterwards finds them no longer due. Notifications archived or expired
 * while snoozed just lose their snooze time, with no event. Resolves true
 * when the round was full (more may be due).
 */
export function createReturnSnoozed(options: SweepOptions) {
  const now = options.now ?? (() => new Date());
  return async function returnSnoozed(): Promise<boolean> {
    const time = now();
    const { events, full } = await options.db.transaction(async (tx) => {
      const { locked } = await inboxTimers.claimHeads(tx, "snooze", time, options.batch);
      const rows = await inboxTimers.takeReturns(tx, locked, time, options.batch);
      const back = rows.filter((r) => r.back);
      const placed = await feedLog.append(
        tx,
        back.map((r) => ({
          tenantId: r.notification.tenantId,
          userId: r.notification.userId,
          kind: "returned" as const,
          notificationIds: [r.id],
          unreadDelta: r.unread ? 1 : 0,
          unseenDelta: r.unseen ? 1 : 0,
          time,
        })),
      );
      await notificationStore.setSeqs(
        tx,
        back.map((r, i) => ({ tenantId: r.notification.tenantId, id: r.id, seq: placed[i]?.seq as number })),
      );
      const events: FeedEvent[] = back.map((r, i) => ({
        kind: "returned",
        tenantId: r.notification.tenantId,
        userId: r.notification.userId,
        seq: placed[i]?.seq as number,
        unreadCount: placed[i]?.unreadCount as number,
        unseenCount: placed[i]?.unseenCount as number,
        time,
        notification: r.notification,
      }));
      return { events, full: rows.length === options.batch };
    });
    options.publish(events);
    return full;
  };
}
