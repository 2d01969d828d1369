import { InvalidArgumentError } from "../domain/errors.js";
import type { FeedEvent } from "../domain/feed-event.js";
import type { Principal } from "../domain/principal.js";
import type { Database } from "../store/database.js";
import { feedLog } from "../store/feed-log.js";
import { inboxTimers, type TimedRow } from "../store/inbox-timers.js";
import { resolveUserId } from "./access.js";
import type { PublishFeedEvents } from "./inbox-placement.js";

/** The furthest ahead a snooze may reach (the contract says 365 days too). */
export const maxSnoozeMs = 365 * 24 * 3_600_000;

export interface SnoozeInput {
  userId: string;
  notificationIds: string[];
  /** When they come back; null for UnsnoozeNotifications (now, at their old place). */
  until: Date | null;
}

export interface SnoozeOutput {
  unreadCount: number;
  unseenCount: number;
  changedCount: number;
}

/**
 * SnoozeNotifications and UnsnoozeNotifications. Under the user's feed head
 * lock (like MarkRead), the rows change and one `changed` event carries their
 * ids and the counts after; notifications not in a state to change are left
 * alone, so a retry changes nothing and emits nothing. The snoozed ones come
 * back through the return sweep (return-snoozed.ts).
 */
export function createSnoozeNotifications(deps: { db: Database; publish: PublishFeedEvents }) {
  return async function snoozeNotifications(principal: Principal, input: SnoozeInput): Promise<SnoozeOutput> {
    const action = input.until === null ? "unsnooze notifications" : "snooze notifications";
    const userId = resolveUserId(principal, input.userId, "admin", action);
    const { tenantId } = principal;
    if (input.notificationIds.length === 0)
      throw new InvalidArgumentError("notification_ids", "must name at least one");
    const now = new Date();
    if (input.until !== null && input.until <= now)
      throw new InvalidArgumentError("snooze_until", "must be in the future");
    if (input.until !== null && input.until.getTime() - now.getTime() > maxSnoozeMs) {
      throw new InvalidArgumentError("snooze_until", "must be at most 365 days ahead");
    }
    const change = input.until === null ? "unsnoozed" : "snoozed";
    const { output, event } = await deps.db.transaction(async (tx) => {
      const head = await feedLog.lock(tx, tenantId, userId);
      if (head === null) return { output: { unreadCount: 0, unseenCount: 0, changedCount: 0 }, event: null };
      const rows =
        input.until === null
          ? await inboxTimers.unsnooze(tx, tenantId, userId, input.notificationIds)
          : await inboxTimers.snooze(tx, tenantId, userId, input.notificationIds, input.until);
      if (rows.length === 0) {
        return {
          output: { unreadCount: head.unreadCount, unseenCount: head.unseenCount, changedCount: 0 },
          event: null,
        };
      }
      const sign = change === "snoozed" ? -1 : 1;
      const ids = rows.map((r) => r.id);
      const [placed] = await feedLog.append(tx, [
        {
          tenantId,
          userId,
          kind: change,
          notificationIds: ids,
          ...deltas(rows, sign),
          // Kept with the event for the event log (WatchEvents, webhooks): until when.
          ...(input.until !== null && { detail: { snoozeUntil: input.until.toISOString() } }),
          time: now,
        },
      ]);
      const p = placed as { seq: number; unreadCount: number; unseenCount: number };
      const event: FeedEvent = {
        kind: "changed",
        tenantId,
        userId,
        seq: p.seq,
        unreadCount: p.unreadCount,
        unseenCount: p.unseenCount,
        time: now,
        change,
        notificationIds: ids,
        all: false,
      };
      return { output: { unreadCount: p.unreadCount, unseenCount: p.unseenCount, changedCount: rows.length }, event };
    });
    if (event !== null) deps.publish([event]);
    return output;
  };
}

/** How rows that left (sign -1) or entered (+1) the inbox move the counts. */
export function deltas(rows: readonly TimedRow[], sign: 1 | -1): { unreadDelta: number; unseenDelta: number } {
  let unread = 0;
  let unseen = 0;
  for (const r of rows) {
    if (r.unread) unread++;
    if (r.unseen) unseen++;
  }
  return { unreadDelta: sign * unread, unseenDelta: sign * unseen };
}
