import { InvalidArgumentError } from "../domain/errors.js";
import type { ChangeKind, FeedEvent } from "../domain/feed-event.js";
import type { Principal } from "../domain/principal.js";
import type { Database, Queryable } from "../store/database.js";
import { feedLog, type Placed } from "../store/feed-log.js";
import { inboxStore } from "../store/inbox-store.js";
import type { ChangedState } from "../workflows/engine.js";
import { resolveUserId } from "./access.js";
import type { PublishFeedEvents } from "./inbox-placement.js";

export interface MarkInput {
  userId: string;
  /** Exactly one of `notificationIds` (non-empty) and `all` is set; the contract checks it. */
  notificationIds: string[];
  all: boolean;
  change: ChangeKind;
}

export interface MarkOutput {
  unreadCount: number;
  unseenCount: number;
  changedCount: number;
}

/**
 * MarkRead: seen, read, unread, archive or unarchive. Rows already in the requested
 * state are left alone, so a retry changes nothing and emits no event.
 */
export function createMarkNotifications(deps: {
  db: Database;
  publish: PublishFeedEvents;
  /**
   * Workflows: in this transaction, runs waiting to escalate these
   * notifications on a condition the change made false end here.
   */
  settle?: (tx: Queryable, changed: ChangedState, change: ChangeKind) => Promise<void>;
}) {
  return async function markNotifications(principal: Principal, input: MarkInput): Promise<MarkOutput> {
    const userId = resolveUserId(principal, input.userId, "admin", "change notifications");
    const { tenantId } = principal;
    if (input.all && (input.change === "unread" || input.change === "unarchived")) {
      throw new InvalidArgumentError("all", `cannot be used with change "${input.change}"; name the notifications`);
    }
    const target = input.all ? ({ all: true } as const) : { ids: input.notificationIds };

    const { output, event } = await deps.db.transaction(async (tx) => {
      // The head first: no notification enters the inbox meanwhile, so `all` means "all up to now".
      const head = await feedLog.lock(tx, tenantId, userId);
      if (head === null) return { output: { unreadCount: 0, unseenCount: 0, changedCount: 0 }, event: null };
      const time = new Date();
      const result = await inboxStore.change(tx, tenantId, userId, input.change, target, time);
      if (result.changedCount === 0) {
        const { unreadCount, unseenCount } = head;
        return { output: { unreadCount, unseenCount, changedCount: 0 }, event: null };
      }
      if (input.change === "read" || input.change === "archived") {
        const { tenantId } = principal;
        await deps.settle?.(
          tx,
          input.all ? { tenantId, userId, all: true } : { tenantId, userId, ids: result.changedIds },
          input.change,
        );
      }
      const [placed] = await feedLog.append(tx, [
        {
          tenantId,
          userId,
          kind: input.change,
          notificationIds: result.changedIds,
          all: input.all,
          unreadDelta: result.unreadDelta,
          unseenDelta: result.unseenDelta,
          time,
        },
      ]);
      const next = placed as Placed;
      const event: FeedEvent = {
        kind: "changed",
        tenantId,
        userId,
        ...next,
        time,
        change: input.change,
        notificationIds: result.changedIds,
        all: input.all,
      };
      const { unreadCount, unseenCount } = next;
      return { output: { unreadCount, unseenCount, changedCount: result.changedCount }, event };
    });
    if (event !== null) deps.publish([event]);
    return output;
  };
}
