import type { FeedEvent } from "../domain/feed-event.js";
import type { Notification } from "../domain/notification.js";
import type { NewFeedEvent } from "../store/feed-log.js";
import { feedLog } from "../store/feed-log.js";
import { type ExpiredRow, inboxTimers } from "../store/inbox-timers.js";
import type { SweepOptions } from "./return-snoozed.js";
import { deltas } from "./snooze-notifications.js";

/** Whether a notification's expire time has passed at `now`: then nothing more is delivered. */
export function isExpired(n: Pick<Notification, "expireAt">, now: Date): boolean {
  return n.expireAt != null && n.expireAt <= now;
}

/**
 * One round of the expiry sweep: notifications whose expire time passed
 * leave the inbox, the archive and the counts for good, their deliveries not
 * sent yet are canceled, and each user with placed ones gets one `changed`
 * event CHANGE_KIND_EXPIRED with their ids. Users' feed heads are claimed with
 * SKIP LOCKED as in the return sweep, so each notification expires once
 * whichever process sweeps; notifications never placed (scheduled, or in-app
 * not asked for) of users without a feed expire without an event. Delivery
 * workers refuse expired notifications on their own (deliver-message.ts), so
 * the sweep's lag delays only the inbox. Resolves true when the round was full.
 */
export function createExpireNotifications(options: SweepOptions) {
  const now = options.now ?? (() => new Date());
  return async function expireNotifications(): Promise<boolean> {
    const time = now();
    const { events, full } = await options.db.transaction(async (tx) => {
      const { locked, headless } = await inboxTimers.claimHeads(tx, "expiry", time, options.batch);
      const rows = [
        ...(await inboxTimers.expire(tx, locked, time, options.batch, false)),
        ...(await inboxTimers.expire(tx, headless, time, options.batch, true)),
      ];
      const byUser = new Map<string, ExpiredRow[]>();
      for (const r of rows) {
        if (!r.placed) continue;
        const key = JSON.stringify([r.tenantId, r.userId]);
        byUser.set(key, [...(byUser.get(key) ?? []), r]);
      }
      const appended: NewFeedEvent[] = [...byUser.values()].map((user) => ({
        tenantId: (user[0] as ExpiredRow).tenantId,
        userId: (user[0] as ExpiredRow).userId,
        kind: "expired",
        notificationIds: user.map((r) => r.id),
        ...deltas(user, -1),
        time,
      }));
      const placed = await feedLog.append(tx, appended);
      const events: FeedEvent[] = appended.map((e, i) => ({
        kind: "changed",
        tenantId: e.tenantId,
        userId: e.userId,
        seq: placed[i]?.seq as number,
        unreadCount: placed[i]?.unreadCount as number,
        unseenCount: placed[i]?.unseenCount as number,
        time,
        change: "expired",
        notificationIds: e.notificationIds,
        all: false,
      }));
      return { events, full: rows.length >= options.batch };
    });
    options.publish(events);
    return full;
  };
}
