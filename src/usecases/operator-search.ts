import type { Delivery, Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { Queryable } from "../store/database.js";
import { notificationSearch, type SearchFilters } from "../store/notification-search.js";
import { notificationStore } from "../store/notification-store.js";
import { requireScope } from "./access.js";
import { decodePagePosition, encodePageToken } from "./page-token.js";

export type { SearchFilters };

/** One search result: a notification and its deliveries (without attempt history). */
export interface NotificationSummary {
  notification: Notification;
  deliveries: Delivery[];
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * SearchNotifications: notifications across all users of the caller's tenant,
 * newest first, for operators with the `read` scope. Each call examines at most `scanBudget`
 * notifications (store/notification-search.ts), so a filter no index
 * answers costs the same bounded work per page; its pages may come back short.
 */
export function createOperatorSearch(deps: { db: Queryable; scanBudget?: number; statusBudget?: number }) {
  const scanBudget = deps.scanBudget ?? 10_000;
  const statusBudget = deps.statusBudget ?? 100_000;
  return async function searchNotifications(
    principal: Principal,
    q: { filters: SearchFilters; pageSize: number; pageToken: string },
  ): Promise<{ notifications: NotificationSummary[]; nextPageToken: string }> {
    requireScope(principal, "read", "search notifications");
    const limit = q.pageSize === 0 ? 25 : q.pageSize;
    const beforeId =
      q.pageToken === "" ? null : decodePagePosition(q.pageToken, q.filters, uuid, "SearchNotifications");
    const page = await notificationSearch.searchPage(deps.db, {
      tenantId: principal.tenantId,
      filters: q.filters,
      beforeId,
      limit,
      scanBudget,
      statusBudget,
    });
    const [notifications, deliveries] = await Promise.all([
      notificationStore.getMany(deps.db, principal.tenantId, page.ids),
      notificationSearch.deliveriesOf(deps.db, principal.tenantId, page.ids),
    ]);
    return {
      notifications: notifications.map((n) => ({ notification: n, deliveries: deliveries.get(n.id) ?? [] })),
      nextPageToken: page.nextBeforeId === null ? "" : encodePageToken(page.nextBeforeId, q.filters),
    };
  };
}
