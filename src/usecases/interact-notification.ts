import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { ChangeKind, FeedEvent } from "../domain/feed-event.js";
import type { Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { Database, Queryable } from "../store/database.js";
import { feedLog } from "../store/feed-log.js";
import { interactionStore } from "../store/interaction-store.js";
import { notificationStore } from "../store/notification-store.js";
import type { ChangedState } from "../workflows/engine.js";
import { resolveUserId } from "./access.js";
import type { PublishFeedEvents } from "./inbox-placement.js";

export interface InteractInput {
  userId: string;
  /** The notification's id. */
  id: string;
  actionId: string;
}

export interface InteractOutput {
  notification: Notification;
  unreadCount: number;
  unseenCount: number;
}

/**
 * InteractNotification: the user took one of a notification's actions. The
 * last action taken wins; taking the one already recorded changes nothing (a
 * retry). Recording it also reads and sees the notification, and appends one
 * `interacted` event that carries both (its counts are after them), under the
 * user's head lock like MarkRead, so the counts move with the event.
 */
export function createInteractNotification(deps: {
  db: Database;
  publish: PublishFeedEvents;
  /** Workflows: runs waiting to escalate an unread notification end once it is read. */
  settle?: (tx: Queryable, changed: ChangedState, change: ChangeKind) => Promise<void>;
}) {
  return async function interactNotification(principal: Principal, input: InteractInput): Promise<InteractOutput> {
    const userId = resolveUserId(principal, input.userId, "admin", "act on notifications");
    const { tenantId } = principal;
    const notFound = () => new NotFoundError(`notification ${input.id} is not in the inbox of user ${userId}`);

    const { output, event } = await deps.db.transaction(async (tx) => {
      // The head first, then the row, in MarkRead's order, so the two never deadlock.
      const head = await feedLog.lock(tx, tenantId, userId);
      const target = head === null ? null : await interactionStore.lockTarget(tx, tenantId, userId, input.id);
      if (head === null || target === null) throw notFound();
      const action = target.actions.find((a) => a.id === input.actionId);
      if (action === undefined) {
        const known = target.actions.map((a) => a.id).join(", ") || "none";
        throw new InvalidArgumentError(
          "action_id",
          `notification ${input.id} has no action "${input.actionId}" (it has: ${known})`,
        );
      }
      if (target.lastActionId === input.actionId) {
        const notification = (await notificationStore.get(tx, tenantId, input.id)) as Notification;
        const unchanged = { notification, unreadCount: head.unreadCount, unseenCount: target.headUnseenCount };
        return { output: unchanged, event: null };
      }
      const time = new Date();
      await interactionStore.record(tx, tenantId, input.id, input.actionId, time);
      if (target.countsUnread) await deps.settle?.(tx, { tenantId, userId, ids: [input.id] }, "read");
      const [placed] = await feedLog.append(tx, [
        {
          tenantId,
          userId,
          kind: "interacted",
          notificationIds: [input.id],
          unreadDelta: target.countsUnread ? -1 : 0,
          unseenDelta: target.countsUnseen ? -1 : 0,
          detail: { action_id: action.id, payload: action.payload },
          time,
        },
      ]);
      const next = placed as { seq: number; unreadCount: number; unseenCount: number };
      const notification = (await notificationStore.get(tx, tenantId, input.id)) as Notification;
      const event: FeedEvent = {
        kind: "interacted",
        tenantId,
        userId,
        seq: next.seq,
        unreadCount: next.unreadCount,
        unseenCount: next.unseenCount,
        time,
        notificationId: input.id,
        actionId: action.id,
        payload: action.payload,
      };
      return { output: { notification, unreadCount: next.unreadCount, unseenCount: next.unseenCount }, event };
    });
    if (event !== null) deps.publish([event]);
    return output;
  };
}
