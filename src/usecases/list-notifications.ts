import type { Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { Queryable } from "../store/database.js";
import { notificationStore } from "../store/notification-store.js";
import { resolveUserId } from "./access.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

export interface ListInput {
  userId: string;
  pageSize: number;
  pageToken: string;
  unreadOnly: boolean;
  unseenOnly: boolean;
  category: string;
  archived: boolean;
}

export interface ListOutput {
  notifications: Notification[];
  nextPageToken: string;
  unreadCount: number;
  unseenCount: number;
}

export const defaultPageSize = 20;

/** List: one page of a user's inbox, newest first, and the unread and unseen counts. */
export function createListNotifications(deps: { db: Queryable }) {
  return async function listNotifications(principal: Principal, input: ListInput): Promise<ListOutput> {
    const userId = resolveUserId(principal, input.userId, "read", "list notifications");
    // unseen_only came later: only a token made with it names it, so tokens from before it still work.
    const filters = [userId, input.unreadOnly, input.category, input.archived, ...(input.unseenOnly ? ["unseen"] : [])];
    const beforeSeq = input.pageToken === "" ? null : decodePageToken(input.pageToken, filters);
    const limit = input.pageSize === 0 ? defaultPageSize : input.pageSize;
    const { rows, unreadCount, unseenCount } = await notificationStore.list(deps.db, {
      ...input,
      tenantId: principal.tenantId,
      userId,
      beforeSeq,
      limit,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      notifications: page.map((r) => r.notification),
      nextPageToken: rows.length > limit && last !== undefined ? encodePageToken(last.seq, filters) : "",
      unreadCount,
      unseenCount,
    };
  };
}
