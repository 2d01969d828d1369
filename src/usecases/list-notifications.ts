import type { Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { Queryable } from "../store/database.js";
import { countTabs, type TabCounts, type TabFilter } from "../store/inbox-counts.js";
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
  /** List the snoozed notifications instead of the inbox. */
  snoozed?: boolean;
  /** Only notifications having any of these tags. */
  tags?: string[];
  /** Tabs to count, whatever the page. */
  tabs?: TabFilter[];
}

export interface ListOutput {
  notifications: Notification[];
  nextPageToken: string;
  unreadCount: number;
  /** One per requested tab, in order. */
  tabCounts: TabCounts[];
  unseenCount: number;
}

export const defaultPageSize = 20;

/** List: one page of a user's inbox, newest first, and the unread and unseen counts. */
export function createListNotifications(deps: { db: Queryable }) {
  return async function listNotifications(principal: Principal, input: ListInput): Promise<ListOutput> {
    const userId = resolveUserId(principal, input.userId, "read", "list notifications");
    // Later filters join only when used, so tokens made before them stay valid.
    const filters = [
      userId,
      input.unreadOnly,
      input.category,
      input.archived,
      ...(input.unseenOnly ? ["unseen"] : []),
      ...(input.snoozed ? ["snoozed"] : []),
      ...tagFilter(input.tags),
    ];
    const beforeSeq = input.pageToken === "" ? null : decodePageToken(input.pageToken, filters);
    const limit = input.pageSize === 0 ? defaultPageSize : input.pageSize;
    const { rows, unreadCount, unseenCount } = await notificationStore.list(deps.db, {
      ...input,
      tenantId: principal.tenantId,
      userId,
      beforeSeq,
      limit,
    });
    // After the page, on the same connection in turn: tabs cost one more
    // round trip, not a second connection per List.
    const tabCounts = await countTabs(deps.db, principal.tenantId, userId, input.tabs ?? []);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      notifications: page.map((r) => r.notification),
      nextPageToken: rows.length > limit && last !== undefined ? encodePageToken(last.seq, filters) : "",
      unreadCount,
      tabCounts,
      unseenCount,
    };
  };
}

function tagFilter(tags: readonly string[] | undefined): string[][] {
  return tags === undefined || tags.length === 0 ? [] : [[...tags].sort()];
}
