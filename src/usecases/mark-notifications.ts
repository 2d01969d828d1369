import type { InAppChannel } from "../channels/in-app-channel.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { ChangeKind, FeedEvent } from "../domain/feed-event.js";
import type { Principal } from "../domain/principal.js";
import type { Transactor } from "../store/database.js";
import type { FeedStore } from "../store/feed-store.js";
import type { InboxStore } from "../store/inbox-store.js";
import { resolveUserId } from "./access.js";

export interface MarkInput {
  userId: string;
  /** Exactly one of `notificationIds` (non-empty) and `all` is set; the contract checks it. */
  notificationIds: string[];
  all: boolean;
  change: ChangeKind;
}

export interface MarkOutput {
  unreadCount: number;
  changedCount: number;
}

/**
 * MarkRead: read, unread, archive or unarchive. Rows already in the requested
 * state are left alone, so a retry changes nothing and emits no event.
 */
export function createMarkNotifications(deps: {
  db: Transactor;
  feeds: FeedStore;
  inbox: InboxStore;
  inApp: Pick<InAppChannel, "publish">;
}) {
  return async function markNotifications(principal: Principal, input: MarkInput): Promise<MarkOutput> {
    const userId = resolveUserId(principal, input.userId, "admin", "change notifications");
    if (input.all && (input.change === "unread" || input.change === "unarchived")) {
      throw new InvalidArgumentError("all", `cannot be used with change "${input.change}"; name the notifications`);
    }
    const target = input.all ? ({ all: true } as const) : { ids: input.notificationIds };

    const { output, event } = await deps.db.run(async (tx) => {
      const head = await deps.feeds.lockHead(tx, userId);
      if (head === null) return { output: { unreadCount: 0, changedCount: 0 }, event: null };
      const time = new Date();
      const result = await deps.inbox.change(tx, userId, input.change, target, time);
      if (result.changedCount === 0) {
        return { output: { unreadCount: head.unreadCount, changedCount: 0 }, event: null };
      }
      const next = { seq: head.seq + 1, unreadCount: head.unreadCount + result.unreadDelta };
      await deps.feeds.setHead(tx, userId, next);
      const event: FeedEvent = {
        kind: "changed",
        userId,
        ...next,
        time,
        change: input.change,
        notificationIds: result.changedIds,
        all: input.all,
      };
      await deps.feeds.appendChange(tx, { ...event, kind: input.change });
      return { output: { unreadCount: next.unreadCount, changedCount: result.changedCount }, event };
    });
    if (event !== null) deps.inApp.publish([event]);
    return output;
  };
}
