import type { FeedEvent } from "../domain/feed-event.js";
import type { Principal } from "../domain/principal.js";
import type { Database, Queryable } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import { feedLog, type NewFeedEvent } from "../store/feed-log.js";
import { notificationUpdates } from "../store/notification-updates.js";
import { outboxStore } from "../store/outbox-store.js";
import type { PublishFeedEvents } from "./inbox-placement.js";
import { ownedNotification, senderAccess } from "./sender-access.js";

/** What to retract: one notification, or a user's current notification of a group. */
export type RetractTarget = { id: string } | { userId: string; groupKey: string };

export interface RetractOutput {
  /** The notifications this call retracted; empty if they were retracted already. */
  notificationIds: string[];
  /** Deliveries canceled with them. */
  canceledCount: number;
}

/** Ends a notification's workflow runs in the caller's transaction (Cancel's hook); returns how many ended. */
export type CancelRuns = (tx: Queryable, notificationId: string) => Promise<number>;

/**
 * RetractNotification: the notification leaves the user's inbox and counts,
 * its deliveries not yet made are canceled and its workflow runs end, in one
 * transaction; live streams then get the CHANGE_KIND_RETRACTED event.
 * Retracting again changes nothing.
 */
export function createRetractNotification(deps: { db: Database; publish: PublishFeedEvents; cancelRuns?: CancelRuns }) {
  return async function retractNotification(principal: Principal, target: RetractTarget): Promise<RetractOutput> {
    const access = senderAccess(principal, "retract notifications");
    const { tenantId } = principal;
    const owner = "id" in target ? await ownedNotification(deps.db, principal, access, target.id) : null;
    if (owner?.retracted === true) return { notificationIds: [], canceledCount: 0 };
    const { events, output } = await deps.db.transaction(async (tx) => {
      let victims: Array<{ id: string; userId: string }>;
      if ("id" in target) {
        victims = [{ id: target.id, userId: (owner as { userId: string }).userId }];
      } else {
        await notificationUpdates.lockGroups(tx, tenantId, [target.userId], target.groupKey);
        victims = await notificationUpdates.currentOfGroup(
          tx,
          tenantId,
          [target.userId],
          target.groupKey,
          access.senderKeyId,
        );
      }
      const done = await retractInTransaction(tx, tenantId, victims, new Date(), deps.cancelRuns);
      return { events: done.events, output: { notificationIds: done.retractedIds, canceledCount: done.canceledCount } };
    });
    deps.publish(events);
    return output;
  };
}

/**
 * Retracts notifications in the transaction `tx`: first their workflow runs
 * and deliveries not yet made (the order the delivery worker locks in:
 * deliveries, then feed heads, then notifications), then the notifications
 * themselves under their users' head locks, with one CHANGE_KIND_RETRACTED
 * event per user carrying the counts after. `replacedBy` names the
 * notification that replaces them (a Send of their group), kept in the
 * event's detail. Returns the events, to publish once `tx` commits.
 */
export async function retractInTransaction(
  tx: Queryable,
  tenantId: string,
  victims: ReadonlyArray<{ id: string; userId: string }>,
  time: Date,
  cancelRuns?: CancelRuns,
  replacedBy?: ReadonlyMap<string, string>,
): Promise<{ events: FeedEvent[]; retractedIds: string[]; canceledCount: number }> {
  if (victims.length === 0) return { events: [], retractedIds: [], canceledCount: 0 };
  let canceledCount = 0;
  for (const { id } of victims) {
    // Runs first: a timer firing now finishes (its deliveries are canceled next) or never fires.
    await cancelRuns?.(tx, id);
    await outboxStore.withdraw(tx, tenantId, id);
    canceledCount += await deliveryStore.cancel(tx, tenantId, id);
  }
  const users = [...new Set(victims.map((v) => v.userId))].sort();
  await feedLog.lockMany(tx, tenantId, users);
  const retracted = await notificationUpdates.retract(
    tx,
    tenantId,
    victims.map((v) => v.id),
    time,
  );
  const appended: NewFeedEvent[] = users.flatMap((userId) => {
    const mine = retracted.filter((r) => r.userId === userId);
    if (mine.length === 0) return [];
    const by = replacedBy?.get(userId);
    return [
      {
        tenantId,
        userId,
        kind: "retracted",
        notificationIds: mine.map((r) => r.id),
        unreadDelta: -mine.filter((r) => r.wasUnread).length,
        unseenDelta: -mine.filter((r) => r.wasUnseen).length,
        ...(by !== undefined && { detail: { replaced_by: by } }),
        time,
      },
    ];
  });
  const placed = await feedLog.append(tx, appended);
  const events: FeedEvent[] = appended.map((e, i) => ({
    kind: "changed",
    change: "retracted",
    tenantId,
    userId: e.userId,
    seq: placed[i]?.seq as number,
    unreadCount: placed[i]?.unreadCount as number,
    unseenCount: placed[i]?.unseenCount as number,
    time,
    notificationIds: e.notificationIds,
    all: false,
  }));
  return { events, retractedIds: retracted.map((r) => r.id), canceledCount };
}

/**
 * A Send of group `groupKey` to these new notifications' users: in its
 * transaction `tx`, before it writes, retracts each user's current
 * notification of the group (replaced by the new one). Holds the group's
 * lock for these users until `tx` ends, so concurrent Sends of the group
 * replace one another in turn. Returns the retraction events, which come
 * before the Send's `created` events in each feed.
 */
export async function replaceGroup(
  tx: Queryable,
  tenantId: string,
  groupKey: string,
  incoming: ReadonlyArray<{ id: string; userId: string }>,
  time: Date,
  cancelRuns?: CancelRuns,
): Promise<FeedEvent[]> {
  const users = incoming.map((n) => n.userId);
  await notificationUpdates.lockGroups(tx, tenantId, users, groupKey);
  // Several users: their heads first, all in user order, as the Send's own
  // statement locks them; locking only some of them now (those with a
  // notification to replace) could deadlock with a concurrent Send to the same users.
  if (users.length > 1) await feedLog.lockMany(tx, tenantId, users);
  const current = await notificationUpdates.currentOfGroup(tx, tenantId, users, groupKey);
  const replacedBy = new Map(incoming.map((n) => [n.userId, n.id]));
  return (await retractInTransaction(tx, tenantId, current, time, cancelRuns, replacedBy)).events;
}
